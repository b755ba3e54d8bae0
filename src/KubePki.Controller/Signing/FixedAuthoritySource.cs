using KubePki.Crypto;

namespace KubePki.Controller.Signing;

/// <summary>A CA held in memory (tests, benchmarks).</summary>
public sealed class FixedAuthoritySource(CertificateAuthority ca) : ISigningAuthoritySource
{
    public CertificateAuthority Current { get; } = ca;
}
