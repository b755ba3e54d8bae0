using KubePki.Building;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>One row of check-expiration (kubeadm's output.kubeadm.k8s.io/v1alpha3 Certificate).</summary>
public sealed record ExpirationEntry
{
    /// <summary>The certificate's name as check-expiration prints it (<c>apiserver</c>, <c>admin.conf</c>,
    /// <c>ca</c>...).</summary>
    public required string Name { get; init; }

    /// <summary>Its NotAfter; null when the file is missing.</summary>
    public DateTimeOffset? ExpirationDate { get; init; }

    /// <summary>Seconds until it expires at the report's time (negative once expired).</summary>
    public long ResidualTimeSeconds { get; init; }

    /// <summary>The CA that signs it; null for a CA.</summary>
    public string? CaName { get; init; }

    /// <summary>Its CA (for a CA row, the CA itself) is in external CA mode, without its key: it cannot be renewed
    /// here.</summary>
    public bool ExternallyManaged { get; init; }

    /// <summary>The file does not exist (check-expiration's <c>MISSING!</c>).</summary>
    public bool Missing { get; init; }

    internal static ExpirationEntry MissingEntry(string name) => new() { Name = name, Missing = true };
}

/// <summary>The data behind check-expiration: its two tables.</summary>
public sealed record ExpirationInfo
{
    /// <summary>The leaf certificates and kubeconfigs, sorted by name (then the kubelet's certificates when asked
    /// for).</summary>
    public required IReadOnlyList<ExpirationEntry> Certificates { get; init; }

    /// <summary>The CAs, sorted by name.</summary>
    public required IReadOnlyList<ExpirationEntry> CertificateAuthorities { get; init; }

    /// <summary>Both tables, certificates first.</summary>
    public IEnumerable<ExpirationEntry> All => Certificates.Concat(CertificateAuthorities);

    /// <summary>The listed certificates and CAs that expire within the window (<c>--fail-within</c>).</summary>
    public IReadOnlyList<ExpirationEntry> ExpiringWithin(TimeSpan window) =>
        All.Where(e => !e.Missing && e.ResidualTimeSeconds <= window.TotalSeconds).ToList();
}

/// <summary>Builds the data behind <c>certs check-expiration</c>; printers render it.</summary>
public static class ExpirationReport
{
    /// <summary>Reads every certificate kubeadm's check-expiration lists (and the kubelet's, with
    /// <paramref name="kubeletDir"/>) and reports its expiry as of <paramref name="now"/>. Missing files are rows
    /// marked missing; an unreadable file is a <see cref="KubePkiException"/> naming it.</summary>
    /// <param name="config">The resolved cluster configuration (external etcd leaves out etcd's rows).</param>
    /// <param name="pki">The cert dir.</param>
    /// <param name="now">The time the residual times are measured from.</param>
    /// <param name="kubeletDir">The kubelet's certificate dir (<c>/var/lib/kubelet/pki</c>) to include its client and
    /// serving certificates; null to leave them out, as kubeadm does.</param>
    public static ExpirationInfo Build(
        ClusterConfig config,
        PkiDirectory pki,
        DateTimeOffset now,
        string? kubeletDir = null
    )
    {
        var external = new Dictionary<string, bool>();
        bool IsExternal(string caName)
        {
            if (!external.TryGetValue(caName, out var value))
            {
                try
                {
                    value = CaLoader.IsExternal(pki, CertCatalog.Get(caName), CertCatalog.For(config.ExternalEtcd));
                }
                catch (KubePkiException e)
                {
                    throw new KubePkiException(
                        $"Error checking external CA condition for {caName} certificate authority: {e.Message}",
                        e
                    );
                }
                external[caName] = value;
            }
            return value;
        }

        var certificates = new List<ExpirationEntry>();
        foreach (var item in RenewalCatalog.Items(config, pki))
        {
            certificates.Add(
                item.Exists(pki.Store)
                    ? Entry(item.Name, item.ReadCertificate(pki.Store), now, item.CaName, IsExternal(item.CaName))
                    : ExpirationEntry.MissingEntry(item.Name)
            );
        }
        if (kubeletDir is not null)
        {
            certificates.AddRange(KubeletEntries(kubeletDir, pki.Store, now));
        }
        var cas = RenewalCatalog
            .Cas(config)
            .Select(ca =>
                pki.CertExists(ca.BaseName)
                    ? Entry(ca.Name, pki.ReadCert(ca.BaseName), now, null, IsExternal(ca.Name))
                    : ExpirationEntry.MissingEntry(ca.Name)
            )
            .ToList();
        return new ExpirationInfo { Certificates = certificates, CertificateAuthorities = cas };
    }

    /// <summary>Beyond kubeadm: the kubelet's client cert (rotated by the kubelet) and serving cert (self-signed
    /// kubelet.crt, or kubelet-server-current.pem with serverTLSBootstrap).</summary>
    private static IEnumerable<ExpirationEntry> KubeletEntries(string kubeletDir, IFileStore store, DateTimeOffset now)
    {
        var client = Path.Combine(kubeletDir, "kubelet-client-current.pem");
        var rotatedServing = Path.Combine(kubeletDir, "kubelet-server-current.pem");
        var selfSigned = Path.Combine(kubeletDir, "kubelet.crt");
        yield return store.Exists(client)
            ? Entry("kubelet-client", PemCodec.DecodeCertificate(store.ReadText(client), client), now, "ca", false)
            : ExpirationEntry.MissingEntry("kubelet-client");
        var serving = store.Exists(rotatedServing) ? rotatedServing : selfSigned;
        yield return store.Exists(serving)
            ? Entry(
                "kubelet-serving",
                PemCodec.DecodeCertificate(store.ReadText(serving), serving),
                now,
                serving == selfSigned ? "self-signed" : "ca",
                false
            )
            : ExpirationEntry.MissingEntry("kubelet-serving");
    }

    private static ExpirationEntry Entry(
        string name,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        DateTimeOffset now,
        string? caName,
        bool external
    )
    {
        var notAfter = CertificateFacts.NotAfter(certificate);
        var residual = (long)(notAfter - now).TotalSeconds;
        return new ExpirationEntry
        {
            Name = name,
            ExpirationDate = notAfter,
            ResidualTimeSeconds = residual,
            CaName = caName,
            ExternallyManaged = external,
        };
    }
}
