namespace KubePki.Controller.Approval;

/// <summary>A kubelet serving cert names hosts only; KCM's signer would fail email or URI SANs anyway.</summary>
public sealed class NoEmailOrUriSans : IApprovalRule
{
    public string Name => nameof(NoEmailOrUriSans);

    public string? Check(ApprovalInput input)
    {
        var extra = input.Request.EmailAddresses.Concat(input.Request.Uris).ToList();
        return extra.Count == 0 ? null : $"email and URI subjectAltNames are not allowed: [{string.Join(' ', extra)}]";
    }
}
