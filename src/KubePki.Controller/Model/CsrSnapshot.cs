namespace KubePki.Controller.Model;

/// <summary>What the controller reads from one CertificateSigningRequest, converted from the client model at the edge
/// so
/// the approver and signer stay pure.</summary>
public sealed record CsrSnapshot(
    string Name,
    string SignerName,
    byte[] Request,
    IReadOnlyList<string> Usages,
    int? ExpirationSeconds,
    string Username,
    IReadOnlyList<string> Groups,
    IReadOnlyList<CsrCondition> Conditions,
    byte[]? Certificate,
    DateTimeOffset? CreationTimestamp
)
{
    public bool Has(string conditionType) => Conditions.Any(c => c.Type == conditionType);

    /// <summary>client-go's IsCertificateRequestApproved: an Approved condition and no Denied one (type
    /// only).</summary>
    public bool IsApproved => Has(CsrCondition.Approved) && !Has(CsrCondition.Denied);

    public bool IsDenied => Has(CsrCondition.Denied);

    /// <summary>KCM's HasTrueCondition(Failed): status True or empty counts.</summary>
    public bool IsFailed => Conditions.Any(c => c.Type == CsrCondition.Failed && c.Status is "True" or "");

    public bool IsIssued => Certificate is { Length: > 0 };
}
