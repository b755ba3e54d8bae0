namespace KubePki.Controller.Approval;

/// <summary>The approver's answer as data: the decision, every violated rule, and the condition reason and message
/// that would be written.</summary>
public sealed record ApprovalVerdict(
    ApprovalDecision Decision,
    IReadOnlyList<ApprovalViolation> Violations,
    string Reason,
    string Message
)
{
    public const string ApprovedReason = "KubePkiKubeletServingApproved";
    public const string DeniedReason = "KubePkiKubeletServingDenied";

    public static ApprovalVerdict Ignore(string why) => new(ApprovalDecision.Ignore, [], "", why);
}
