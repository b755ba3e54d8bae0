namespace KubePki.Controller.Approval;

/// <summary>spec.expirationSeconds may not exceed --max-expiration (unset means the signer's default
/// applies).</summary>
public sealed class ExpirationWithinLimit : IApprovalRule
{
    public string Name => nameof(ExpirationWithinLimit);

    public string? Check(ApprovalInput input) =>
        input.Csr.ExpirationSeconds is { } seconds && TimeSpan.FromSeconds(seconds) > input.Options.MaxExpiration
            ? $"spec.expirationSeconds {seconds} exceeds the maximum of "
                + $"{(long)input.Options.MaxExpiration.TotalSeconds} seconds"
            : null;
}
