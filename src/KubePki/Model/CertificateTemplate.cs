using System.Net;

namespace KubePki.Model;

/// <summary>Everything that goes into one certificate apart from keys and issuer: the output of the pure
/// builders.</summary>
internal sealed record CertificateTemplate(
    string CommonName,
    IReadOnlyList<string> Organizations,
    bool IsCa,
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    IReadOnlyList<string> ExtendedKeyUsages,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter
);

internal static class ExtendedKeyUsageOids
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
}
