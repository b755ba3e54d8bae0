namespace KubePki.Controller.Approval;

/// <summary>A subject with two CNs means different things to different readers (Go keeps the last, others the first):
/// a kubelet never sends one.</summary>
public sealed class SingleCommonName : IApprovalRule
{
    public string Name => nameof(SingleCommonName);

    public string? Check(ApprovalInput input) =>
        input.Request.CommonNames.Count > 1
            ? $"the subject has {input.Request.CommonNames.Count} common names "
                + $"[{string.Join(", ", input.Request.CommonNames.Select(Quoted))}]; exactly one is allowed"
            : null;

    private static string Quoted(string value) => $"\"{NoControlCharacters.Escape(value)}\"";
}
