using KubePki.Controller.Model;

namespace KubePki.Controller.Runtime;

/// <summary>kubectl's addConditionIfNeeded as data: the opposite decision is an error even with --force; the same
/// decision again changes nothing unless --force (which re-sends without a duplicate); otherwise the condition is
/// added.</summary>
public sealed record ApprovalChange(string? Error, bool Send, CsrCondition? Added)
{
    public static ApprovalChange Decide(CsrSnapshot csr, bool approve, bool force, DateTimeOffset now)
    {
        var (type, opposite) = approve
            ? (CsrCondition.Approved, CsrCondition.Denied)
            : (CsrCondition.Denied, CsrCondition.Approved);
        if (csr.Has(opposite))
        {
            return new ApprovalChange($"certificate signing request \"{csr.Name}\" is already {opposite}", false, null);
        }
        if (csr.Has(type))
        {
            return new ApprovalChange(null, force, null);
        }
        var condition = approve
            ? new CsrCondition(type, "True", "KubePkiApprove", "This CSR was approved by kubepki csr approve.", now)
            : new CsrCondition(type, "True", "KubePkiDeny", "This CSR was denied by kubepki csr deny.", now);
        return new ApprovalChange(null, true, condition);
    }
}
