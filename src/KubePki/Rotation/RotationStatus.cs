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
public sealed record CaSummary
{
    /// <summary><c>old</c>, <c>new</c>, or <c>current</c> when no rotation is under way.</summary>
    public required string Role { get; init; }

    /// <summary>The certificate's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>The SHA-256 of the DER certificate, in hex.</summary>
    public required string Sha256Fingerprint { get; init; }

    /// <summary>When it expires.</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>Whether it carries a SubjectKeyIdentifier: the old and new CA share a subject, and verifiers that
    /// look issuers up by name (OpenSSL) tell them apart only by it.</summary>
    public required bool HasSubjectKeyId { get; init; }

    internal static CaSummary Of(string role, X509Certificate2 certificate) =>
        new()
        {
            Role = role,
            Subject = certificate.Subject,
            Sha256Fingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData)),
            NotAfter = CertificateFacts.NotAfter(certificate),
            HasSubjectKeyId = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any(),
        };
}

/// <summary>One file of the rotation: the CAs it trusts (in file order), and the CA that signed its certificate.
/// Roles are <c>old</c>, <c>new</c>, <c>current</c> (no rotation under way) or <c>other</c>.</summary>
public sealed record RotationFileStatus
{
    /// <summary>The file.</summary>
    public required string Path { get; init; }

    /// <summary>The roles of the CAs it trusts; empty for a file that trusts none.</summary>
    public required IReadOnlyList<string> Trusts { get; init; }

    /// <summary>The role of the CA that signed its certificate; null when it holds none.</summary>
    public string? SignedBy { get; init; }
}

/// <summary>What <c>ca rotate status</c> reports for one CA on this node.</summary>
public sealed record RotationStatus
{
    /// <summary>The CA (<c>ca</c>, <c>front-proxy-ca</c> or <c>etcd-ca</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The phase, read from the files.</summary>
    public required RotationPhase Phase { get; init; }

    /// <summary>The current CA, or the old and the new one during a rotation.</summary>
    public required IReadOnlyList<CaSummary> Cas { get; init; }

    /// <summary>Every file that trusts or is signed by the CA.</summary>
    public required IReadOnlyList<RotationFileStatus> Files { get; init; }

    /// <summary>The command to run again when a phase did not complete on this node; null when none did.</summary>
    public string? Pending { get; init; }
}

/// <summary>What a phase did, for the CLI to report: the phase now, the files it changed, where backups went, the
/// components to restart and the operator's next steps outside this node.</summary>
public sealed record RotationOutcome
{
    /// <summary>The phase after the command.</summary>
    public required RotationPhase Phase { get; init; }

    /// <summary>The files written or removed.</summary>
    public required IReadOnlyList<string> Changed { get; init; }

    /// <summary>The dir holding the replaced files; null when nothing was replaced.</summary>
    public string? BackupPath { get; init; }

    /// <summary>The control-plane components to restart to load the changed files.</summary>
    public required IReadOnlyList<string> ComponentsToRestart { get; init; }

    /// <summary>What to do on the other nodes and in the cluster before the next phase.</summary>
    public required IReadOnlyList<string> NextSteps { get; init; }

    /// <summary>The phase changed what the node's kubelet trusts or presents (the CA file, kubelet.conf), which it
    /// reads only when it starts.</summary>
    internal bool KubeletChanged { get; init; }
}
