using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;
using KubePki.Validation;

namespace KubePki.Rotation;

/// <summary>Which of the two CAs of a rotation a certificate is.</summary>
internal enum CaRole
{
    Old,
    New,
    Other,
}

/// <summary>The old and the new CA of one rotation, and how to tell which one a certificate is or was signed by. Both
/// usually carry the same subject, so they are told apart by their bytes and signatures, never by name.</summary>
internal sealed record RotationCas(CertificateAuthority Old, CertificateAuthority New)
{
    public CaRole RoleOf(X509Certificate2 ca) =>
        Same(ca, Old.Certificate) ? CaRole.Old
        : Same(ca, New.Certificate) ? CaRole.New
        : CaRole.Other;

    public CaRole SignerOf(X509Certificate2 leaf) =>
        ChainVerifier.IsSignedBy(leaf, [], New.Certificate) ? CaRole.New
        : ChainVerifier.IsSignedBy(leaf, [], Old.Certificate) ? CaRole.Old
        : CaRole.Other;

    public X509Certificate2 Get(CaRole role) => role == CaRole.New ? New.Certificate : Old.Certificate;

    private static bool Same(X509Certificate2 a, X509Certificate2 b) =>
        a.RawDataMemory.Span.SequenceEqual(b.RawDataMemory.Span);
}
