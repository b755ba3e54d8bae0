using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Controller.Signing;

/// <summary>The facts of a parsed, signature-checked PKCS#10 request that signers and approvers look at. Extensions
/// other than SANs are only listed by OID: the signer drops them all.</summary>
public sealed record CsrRequest(
    X500DistinguishedName Subject,
    string CommonName,
    IReadOnlyList<string> Organizations,
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    IReadOnlyList<string> EmailAddresses,
    IReadOnlyList<string> Uris,
    PublicKey PublicKey,
    string KeyAlgorithm,
    int KeySize,
    IReadOnlyList<string> ExtensionOids,
    bool RequestsCa
)
{
    public const string Rsa = "RSA";
    public const string Ecdsa = "ECDSA";

    /// <summary>Every CN in the subject, in order; <see cref="CommonName"/> is the last, as Go's pkix.Name keeps
    /// it.</summary>
    public IReadOnlyList<string> CommonNames { get; init; } = [CommonName];

    public bool HasDnsOrIpSan => DnsNames.Count > 0 || IpAddresses.Count > 0;
}
