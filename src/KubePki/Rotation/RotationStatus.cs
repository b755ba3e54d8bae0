using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;

namespace KubePki.Rotation;

/// <summary>0: no rotation under way; 1: both CAs trusted, the old one signs (<c>start</c>); 2: both trusted, the new
/// one signs (<c>issue</c>).</summary>
public enum RotationPhase
{
    None = 0,
    Trusting = 1,
    Issued = 2,
}

/// <summary>What <c>status</c> says about one CA.</summary>
public sealed record CaSummary(
    string Role,
    string Subject,
    string Sha256Fingerprint,
    DateTimeOffset NotAfter,
    bool HasSubjectKeyId
)
{
    internal static CaSummary Of(string role, X509Certificate2 certificate) =>
        new(
            role,
            certificate.Subject,
            Convert.ToHexString(SHA256.HashData(certificate.RawData)),
            CertificateFacts.NotAfter(certificate),
            certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any()
        );
}

/// <summary>One file of the rotation: the CAs it trusts (in file order), and the CA that signed its certificate.
/// Roles are <c>old</c>, <c>new</c>, <c>current</c> (no rotation under way) or <c>other</c>.</summary>
public sealed record RotationFileStatus(string Path, IReadOnlyList<string> Trusts, string? SignedBy);

public sealed record RotationStatus(
    string Name,
    RotationPhase Phase,
    IReadOnlyList<CaSummary> Cas,
    IReadOnlyList<RotationFileStatus> Files,
    string? Pending
);

/// <summary>What a phase did, for the CLI to report: the phase now, the files it changed, where backups went, the
/// components to restart and the operator's next steps outside this node.</summary>
public sealed record RotationOutcome(
    RotationPhase Phase,
    IReadOnlyList<string> Changed,
    string? BackupPath,
    IReadOnlyList<string> ComponentsToRestart,
    IReadOnlyList<string> NextSteps
);
