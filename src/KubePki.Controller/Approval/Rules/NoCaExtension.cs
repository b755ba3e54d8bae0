namespace KubePki.Controller.Approval;

/// <summary>The signer drops request extensions, but a kubelet never asks for CA:true or a path length: a request that
/// does is not a kubelet's and is denied rather than silently trimmed.</summary>
public sealed class NoCaExtension : IApprovalRule
{
    public string Name => nameof(NoCaExtension);

    public string? Check(ApprovalInput input) =>
        input.Request.RequestsCa ? "the request asks for a CA basic constraint (CA:true or pathLen)" : null;
}
