namespace KubePki.Controller.Approval;

/// <summary>A serving cert without a DNS or IP SAN cannot be verified by any client.</summary>
public sealed class HasDnsOrIpSan : IApprovalRule
{
    public string Name => nameof(HasDnsOrIpSan);

    public string? Check(ApprovalInput input) =>
        input.Request.HasDnsOrIpSan ? null : "at least one DNS or IP subjectAltName is required";
}
