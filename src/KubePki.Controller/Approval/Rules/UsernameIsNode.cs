namespace KubePki.Controller.Approval;

/// <summary>Only a node may ask for a kubelet serving cert: the API-set username must be
/// system:node:&lt;name&gt;.</summary>
public sealed class UsernameIsNode : IApprovalRule
{
    public string Name => nameof(UsernameIsNode);

    public string? Check(ApprovalInput input) =>
        KubeletServingApprover.NodeNameOf(input.Csr.Username) is null
            ? $"requester \"{input.Csr.Username}\" is not a node (username must begin with "
                + $"{KubeletServingApprover.NodeUserPrefix})"
            : null;
}
