using System.Security.Cryptography.X509Certificates;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>What an imported new CA (<c>--new-ca-cert</c>/<c>--new-ca-key</c>) must be for the cluster to use it as
/// kubeadm's CA: a key no weaker than the cluster's policy; allowed to sign certificates (a keyUsage, when present,
/// with keyCertSign); no nameConstraints (kubeadm's leaves name IPs and names the constraints would have to foresee);
/// no extended key usage that excludes serverAuth or clientAuth (Go's verifier nests EKUs, so every leaf would be
/// refused for the excluded purpose); no critical extension a verifier does not know (Go refuses the chain
/// outright).</summary>
internal static class ImportedCaPolicy
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string AnyExtendedKeyUsage = "2.5.29.37.0";
    private const string NameConstraints = "2.5.29.30";

    // The extensions Go's crypto/x509 handles when critical; any other critical one fails verification.
    private static readonly HashSet<string> Known =
    [
        "2.5.29.14", // subjectKeyIdentifier
        "2.5.29.15", // keyUsage
        "2.5.29.17", // subjectAltName
        "2.5.29.19", // basicConstraints
        "2.5.29.30", // nameConstraints
        "2.5.29.31", // cRLDistributionPoints
        "2.5.29.32", // certificatePolicies
        "2.5.29.35", // authorityKeyIdentifier
        "2.5.29.37", // extKeyUsage
        "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
    ];

    private static readonly Dictionary<string, string> Curves = new()
    {
        ["1.2.840.10045.3.1.7"] = "P-256",
        ["1.3.132.0.34"] = "P-384",
        ["1.3.132.0.35"] = "P-521",
    };

    /// <summary>The first reason to refuse the CA, as a one-line error naming the flag and file; null when it is
    /// fit.</summary>
    public static string? Problem(X509Certificate2 certificate, ImportedCa import)
    {
        var cert = $"--new-ca-cert {import.CertPath}";
        if (KeyProblem(certificate) is { } weak)
        {
            return $"--new-ca-key {import.KeyPath}: {weak} is weaker than the cluster's policy "
                + $"(RSA of 2048 bits or more, or ECDSA on P-256, P-384 or P-521)";
        }
        var unknown = certificate
            .Extensions.Where(e => e.Critical && !Known.Contains(e.Oid?.Value ?? ""))
            .Select(e => e.Oid?.Value ?? "?")
            .ToList();
        if (unknown.Count > 0)
        {
            return $"{cert}: the certificate has an unknown critical extension ({string.Join(", ", unknown)}); "
                + $"verifiers such as Go's refuse every chain through it";
        }
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        // No keyUsage at all puts no limit on the key (RFC 5280; Go's verifier agrees).
        if (usage is not null && (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
        {
            return $"{cert}: the certificate's key usage lacks keyCertSign, so it may not sign certificates";
        }
        if (certificate.Extensions.Any(e => e.Oid?.Value == NameConstraints))
        {
            return $"{cert}: the certificate carries nameConstraints; kubeadm's CA signs for any name and IP of the "
                + $"cluster, so a constrained CA is refused";
        }
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is not null)
        {
            var purposes = eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToList();
            if (!purposes.Contains(AnyExtendedKeyUsage))
            {
                var excluded = new[] { (ServerAuth, "serverAuth"), (ClientAuth, "clientAuth") }
                    .Where(p => !purposes.Contains(p.Item1))
                    .Select(p => p.Item2)
                    .ToList();
                if (excluded.Count > 0)
                {
                    return $"{cert}: the certificate's extended key usage excludes {string.Join(" and ", excluded)}, "
                        + $"so the certificates it signs would be refused for it; use a CA without extKeyUsage";
                }
            }
        }
        return null;
    }

    /// <summary>A warning when the key file may be read by others than its owner; null otherwise.</summary>
    public static string? KeyFileWarning(IFileStore store, ImportedCa import)
    {
        var facts = store.Inspect(import.KeyPath, followLinks: true);
        const UnixFileMode others =
            UnixFileMode.GroupRead
            | UnixFileMode.GroupWrite
            | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead
            | UnixFileMode.OtherWrite
            | UnixFileMode.OtherExecute;
        return facts is not null && (facts.Mode & others) != 0
            ? $"[ca rotate] WARNING: --new-ca-key {import.KeyPath} is accessible by group or others (mode "
                + $"{Convert.ToString((int)facts.Mode & 0x1FF, 8).PadLeft(4, '0')}): whoever read it can sign for "
                + $"the cluster; the copy kept during the rotation is 0600, remove or restrict this one"
            : null;
    }

    private static string? KeyProblem(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize < 2048 ? $"an RSA key of {rsa.KeySize} bits" : null;
        }
        using var ecdsa = certificate.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            var oid = ecdsa.ExportParameters(false).Curve.Oid;
            return Curves.ContainsKey(oid.Value ?? "")
                ? null
                : $"an ECDSA key on curve {oid.FriendlyName ?? oid.Value}";
        }
        return $"a {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value} key";
    }
}
