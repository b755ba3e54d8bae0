using System.Security.Cryptography.X509Certificates;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Model;

namespace KubePki.Building;

/// <summary>Pure spec → template. Validity as kubeadm ≥ 1.31: one start time per run, NotBefore = start − 5 min for CAs
/// and leaves, NotAfter = start + the configured validity.</summary>
internal static class TemplateBuilder
{
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    public static CertificateTemplate For(CertSpec spec, ClusterConfig config, DateTimeOffset start) =>
        For(spec, start, spec.Definition.IsCa ? config.CaCertificateValidity : config.CertificateValidity);

    public static CertificateTemplate For(CertSpec spec, DateTimeOffset start, TimeSpan validity)
    {
        var whole = TruncateToSeconds(start);
        return new CertificateTemplate(
            spec.CommonName,
            spec.Organizations,
            spec.Definition.IsCa,
            spec.AltNames.DnsNames,
            spec.AltNames.IpAddresses,
            spec.ExtendedKeyUsages,
            whole - Backdate,
            whole + validity
        );
    }

    /// <summary>A client certificate for a kubeconfig user (CN = user, O = groups, clientAuth, no SANs).</summary>
    public static CertificateTemplate ForClient(
        string commonName,
        IReadOnlyList<string> organizations,
        DateTimeOffset start,
        TimeSpan validity
    )
    {
        var whole = TruncateToSeconds(start);
        return new CertificateTemplate(
            commonName,
            organizations,
            false,
            [],
            [],
            [ExtendedKeyUsageOids.ClientAuth],
            whole - Backdate,
            whole + validity
        );
    }

    /// <summary>kubeadm's certToConfig for renewal: CN, O, DNS and IP SANs and EKUs copied from the existing
    /// certificate;
    /// everything else (URI/email SANs, OU, ...) is dropped; validity is new.</summary>
    public static CertificateTemplate FromExisting(X509Certificate2 existing, DateTimeOffset start, TimeSpan validity)
    {
        var whole = TruncateToSeconds(start);
        return new CertificateTemplate(
            CertificateFacts.CommonName(existing),
            CertificateFacts.Organizations(existing),
            false,
            CertificateFacts.DnsNames(existing),
            CertificateFacts.IpAddresses(existing),
            CertificateFacts.ExtendedKeyUsages(existing),
            whole - Backdate,
            whole + validity
        );
    }

    public static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
