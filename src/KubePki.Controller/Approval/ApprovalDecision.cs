namespace KubePki.Controller.Approval;

public enum ApprovalDecision
{
    /// <summary>Not ours to judge: another signer, or already approved, denied or issued.</summary>
    Ignore,
    Approve,
    Deny,
}
