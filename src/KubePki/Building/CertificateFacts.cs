using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Building;

/// <summary>Reads back what a certificate says: subject, SANs, usages, CA flag, validity.</summary>
internal static class CertificateFacts
{
    public static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate) =>
        certificate
            .Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames())
            .ToList();

    public static IReadOnlyList<IPAddress> IpAddresses(X509Certificate2 certificate) =>
        certificate
            .Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateIPAddresses())
            .ToList();

    public static IReadOnlyList<string> ExtendedKeyUsages(X509Certificate2 certificate) =>
        certificate
            .Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>())
            .Select(o => o.Value!)
            .ToList();

    public static DateTimeOffset NotBefore(X509Certificate2 certificate) =>
        new(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);

    public static DateTimeOffset NotAfter(X509Certificate2 certificate) =>
        new(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);

    public static string CommonName(X509Certificate2 certificate) =>
        SubjectName.Read(certificate.SubjectName).CommonName;

    public static IReadOnlyList<string> Organizations(X509Certificate2 certificate) =>
        SubjectName.Read(certificate.SubjectName).Organizations;

    /// <summary>Go's VerifyHostname for one name: exact DNS (case-insensitive), one-label wildcard, or exact
    /// IP.</summary>
    public static bool Covers(X509Certificate2 certificate, string dnsName)
    {
        foreach (var name in DnsNames(certificate))
        {
            if (string.Equals(name, dnsName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (
                name.StartsWith("*.", StringComparison.Ordinal)
                && dnsName.IndexOf('.') is var dot and > 0
                && string.Equals(name[1..], dnsName[dot..], StringComparison.OrdinalIgnoreCase)
            )
            {
                return true;
            }
        }
        return false;
    }

    public static bool Covers(X509Certificate2 certificate, IPAddress ip) => IpAddresses(certificate).Contains(ip);

    /// <summary>kubeadm's period warning text, or null while the certificate is valid.</summary>
    public static string? PeriodProblem(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notBefore = NotBefore(certificate);
        var notAfter = NotAfter(certificate);
        if (now < notBefore)
        {
            return $"the certificate is not valid yet: NotBefore: {notBefore:yyyy-MM-dd HH:mm:ss} +0000 UTC, "
                + $"NotAfter: {notAfter:yyyy-MM-dd HH:mm:ss} +0000 UTC";
        }
        if (now > notAfter)
        {
            return $"the certificate has expired: NotBefore: {notBefore:yyyy-MM-dd HH:mm:ss} +0000 UTC, NotAfter: "
                + $"{notAfter:yyyy-MM-dd HH:mm:ss} +0000 UTC";
        }
        return null;
    }
}
