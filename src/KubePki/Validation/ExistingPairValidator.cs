using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Validation;

/// <summary>Checks a user-provided certificate and key before kubeadm-style reuse: key loads and matches, cert chains
/// to its CA, every SAN the cluster needs is covered. Returns the first violation as a sentence naming the
/// file.</summary>
internal static class ExistingPairValidator
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
        if (CertificateEncoding.UnhandledCriticalExtension(chain[0]) is { } oid)
        {
            return $"certificate {certPath} has the critical extension {oid}, which kubeadm cannot verify "
                + "(x509: unhandled critical extension)";
        }
        if (!ChainVerifier.IsSignedBy(chain[0], chain.Skip(1), ca.Certificate))
        {
            var caPath = pki.CertPath(CertCatalog.Get(leaf.CaName!).BaseName);
            var otherIssuer = !chain[0].IssuerName.RawData.AsSpan().SequenceEqual(ca.Certificate.SubjectName.RawData);
            var why =
                chain.Count == 1 && otherIssuer
                    ? $"its issuer \"{chain[0].Issuer}\" is not the CA's subject \"{ca.Certificate.Subject}\""
                    : "its signature does not verify with the CA's key";
            return $"certificate {certPath} is not signed by corresponding CA {caPath}: {why}";
        }
        return null;
    }

    /// <summary>SANs an existing certificate lacks. Those the user configured (certSANs, serverCertSANs/peerCertSANs,
    /// controlPlaneEndpoint, extra-SAN flags) are errors: config and cert disagree. Defaults only warn, because kubeadm
    /// itself reuses such certs in <c>init phase certs</c> and older kubeadm releases left some defaults out (v1.11's
    /// etcd server cert has no advertise address).</summary>
    public static (string? Error, IReadOnlyList<string> Warnings) SanProblems(
        PkiDirectory pki,
        CertSpec spec,
        CertSpec defaultsOnly
    )
    {
        var certificate = pki.ReadCert(spec.Definition.BaseName);
        var path = pki.CertPath(spec.Definition.BaseName);
        var missing = spec
            .AltNames.DnsNames.Where(d => !CertificateFacts.Covers(certificate, d))
            .Select(d => ("DNS name", d))
            .Concat(
                spec.AltNames.IpAddresses.Where(ip => !CertificateFacts.Covers(certificate, ip))
                    .Select(ip => ("IP address", ip.ToString()))
            )
            .ToList();
        var isDefault = defaultsOnly
            .AltNames.DnsNames.Concat(defaultsOnly.AltNames.IpAddresses.Select(ip => ip.ToString()))
            .ToHashSet();
        var configured = missing.FirstOrDefault(m => !isDefault.Contains(m.Item2));
        var error =
            configured == default
                ? null
                : $"certificate {path} is invalid: it is not valid for the configured {configured.Item1} "
                    + $"{configured.Item2}";
        var warnings = missing
            .Where(m => isDefault.Contains(m.Item2))
            .Select(m =>
                $"WARNING: certificate {path} is not valid for the {m.Item1} {m.Item2} that kubeadm would include "
                + $"now; it is reused as kubeadm does"
            )
            .ToList();
        return (error, warnings);
    }
}
