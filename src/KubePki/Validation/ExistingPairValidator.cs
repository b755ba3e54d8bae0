using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Validation;

/// <summary>Checks a user-provided certificate and key before kubeadm-style reuse: key loads and matches, cert chains
/// to its CA, every SAN the cluster needs is covered. Returns the first violation as a sentence naming the file.</summary>
public static class ExistingPairValidator
{
    public static string? ChainProblem(PkiDirectory pki, CertDefinition leaf, CertificateAuthority ca)
    {
        var certPath = pki.CertPath(leaf.BaseName);
        if (!pki.CertExists(leaf.BaseName))
        {
            return $"could not load expected certificate \"{certPath}\": the file does not exist";
        }
        if (!pki.KeyExists(leaf.BaseName))
        {
            return $"failure loading key for {leaf.Name}: {pki.KeyPath(leaf.BaseName)} does not exist";
        }
        var chain = pki.ReadCertChain(leaf.BaseName);
        using var key = pki.ReadKey(leaf.BaseName);
        if (!key.Matches(chain[0]))
        {
            return $"{pki.KeyPath(leaf.BaseName)}: the private key does not match the certificate {certPath}";
        }
        if (!ChainVerifier.IsSignedBy(chain[0], chain.Skip(1), ca.Certificate))
        {
            return $"certificate {certPath} is not signed by corresponding CA {pki.CertPath(CertCatalog.Get(leaf.CaName!).BaseName)}";
        }
        return null;
    }

    public static string? SanProblem(PkiDirectory pki, CertSpec spec)
    {
        var certificate = pki.ReadCert(spec.Definition.BaseName);
        foreach (var dns in spec.AltNames.DnsNames)
        {
            if (!CertificateFacts.Covers(certificate, dns))
            {
                return $"certificate {pki.CertPath(spec.Definition.BaseName)} is invalid: it is not valid for the required DNS name {dns}";
            }
        }
        foreach (var ip in spec.AltNames.IpAddresses)
        {
            if (!CertificateFacts.Covers(certificate, ip))
            {
                return $"certificate {pki.CertPath(spec.Definition.BaseName)} is invalid: it is not valid for the required IP address {ip}";
            }
        }
        return null;
    }
}
