namespace KubePki.Controller.Approval;

/// <summary>A kubelet authenticates in the system:nodes group; a user merely named system:node:x does not.</summary>
public sealed class RequestorInNodesGroup : IApprovalRule
{
    public string Name => nameof(RequestorInNodesGroup);

    public string? Check(ApprovalInput input) =>
        input.Csr.Groups.Contains("system:nodes")
            ? null
            : $"requester \"{input.Csr.Username}\" is not in group system:nodes (groups "
                + $"[{string.Join(' ', input.Csr.Groups)}])";
}
