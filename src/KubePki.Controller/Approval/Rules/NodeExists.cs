namespace KubePki.Controller.Approval;

/// <summary>The Node named by the requester must exist, or there are no addresses to check the SANs against.</summary>
public sealed class NodeExists : IApprovalRule
{
    public string Name => nameof(NodeExists);

    public string? Check(ApprovalInput input) =>
        input.Node is null && input.NodeName.Length > 0 ? $"node \"{input.NodeName}\" does not exist" : null;
}
