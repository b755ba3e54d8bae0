namespace KubePki.Controller.Approval;

/// <summary>A node may only request a cert for itself: CN equals the requester's username.</summary>
public sealed class CommonNameMatchesUsername : IApprovalRule
{
    public string Name => nameof(CommonNameMatchesUsername);

    public string? Check(ApprovalInput input) =>
        input.Request.CommonName == input.Csr.Username
            ? null
            : $"subject common name \"{input.Request.CommonName}\" does not equal the requester's username "
                + $"\"{input.Csr.Username}\"";
}
