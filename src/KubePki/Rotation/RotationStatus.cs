using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;

namespace KubePki.Rotation;

/// <summary>0: no rotation under way; 1: both CAs trusted, the old one signs (<c>start</c>); 2: both trusted, the new
/// one signs (<c>issue</c>).</summary>
public enum RotationPhase
{
    /// <summary>No rotation under way.</summary>
    None = 0,

    /// <summary>Both CAs are trusted; the old one still signs.</summary>
    Trusting = 1,

    /// <summary>Both CAs are trusted; the new one signs.</summary>
    Issued = 2,
}

/// <summary>What <c>status</c> says about one CA.</summary>
/// <param name="Role"><c>old</c>, <c>new</c>, or <c>current</c> when no rotation is under way.</param>
/// <param name="Subject">The certificate's subject.</param>
/// <param name="Sha256Fingerprint">The SHA-256 of the DER certificate, in hex.</param>
/// <param name="NotAfter">When it expires.</param>
/// <param name="HasSubjectKeyId">Whether it carries a SubjectKeyIdentifier: the old and new CA share a subject, and
/// verifiers that look issuers up by name (OpenSSL) tell them apart only by it.</param>
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
/// <param name="Path">The file.</param>
/// <param name="Trusts">The roles of the CAs it trusts; empty for a file that trusts none.</param>
/// <param name="SignedBy">The role of the CA that signed its certificate; null when it holds none.</param>
public sealed record RotationFileStatus(string Path, IReadOnlyList<string> Trusts, string? SignedBy);

/// <summary>What <c>ca rotate status</c> reports for one CA on this node.</summary>
/// <param name="Name">The CA (<c>ca</c>, <c>front-proxy-ca</c> or <c>etcd-ca</c>).</param>
/// <param name="Phase">The phase, read from the files.</param>
/// <param name="Cas">The current CA, or the old and the new one during a rotation.</param>
/// <param name="Files">Every file that trusts or is signed by the CA.</param>
/// <param name="Pending">The command to run again when a phase did not complete on this node; null when none
/// did.</param>
public sealed record RotationStatus(
    string Name,
    RotationPhase Phase,
    IReadOnlyList<CaSummary> Cas,
    IReadOnlyList<RotationFileStatus> Files,
    string? Pending
);

/// <summary>What a phase did, for the CLI to report: the phase now, the files it changed, where backups went, the
/// components to restart and the operator's next steps outside this node.</summary>
/// <param name="Phase">The phase after the command.</param>
/// <param name="Changed">The files written or removed.</param>
/// <param name="BackupPath">The dir holding the replaced files; null when nothing was replaced.</param>
/// <param name="ComponentsToRestart">The control-plane components to restart to load the changed files.</param>
/// <param name="NextSteps">What to do on the other nodes and in the cluster before the next phase.</param>
public sealed record RotationOutcome(
    RotationPhase Phase,
    IReadOnlyList<string> Changed,
    string? BackupPath,
    IReadOnlyList<string> ComponentsToRestart,
    IReadOnlyList<string> NextSteps
)
{
    /// <summary>The phase changed what the node's kubelet trusts or presents (the CA file, kubelet.conf), which it
    /// reads only when it starts.</summary>
    internal bool KubeletChanged { get; init; }
}
