namespace KubePki.Controller.Approval;

/// <summary>O must be exactly [system:nodes], as KCM's ValidateKubeletServingCSR demands (no extra groups smuggled
/// in).</summary>
public sealed class OrganizationIsSystemNodes : IApprovalRule
{
    public string Name => nameof(OrganizationIsSystemNodes);

    public string? Check(ApprovalInput input) =>
        input.Request.Organizations is ["system:nodes"]
            ? null
            : $"subject organization [{string.Join(' ', input.Request.Organizations)}] is not exactly [system:nodes]";
}
