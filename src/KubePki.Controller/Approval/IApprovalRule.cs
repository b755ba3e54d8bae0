namespace KubePki.Controller.Approval;

/// <summary>One check of the kubelet-serving approver. Returns the violation text, or null when the CSR
/// passes.</summary>
public interface IApprovalRule
{
    string Name { get; }

    string? Check(ApprovalInput input);
}
