using KubePki.Controller.Signing;

namespace KubePki.Controller.Approval;

/// <summary>RSA keys of at least 2048 bits or ECDSA on P-256/P-384/P-521; nothing weaker gets a serving cert.</summary>
public sealed class KeyIsStrongEnough : IApprovalRule
{
    public string Name => nameof(KeyIsStrongEnough);

    public string? Check(ApprovalInput input) =>
        input.Request switch
        {
            { KeyAlgorithm: CsrRequest.Rsa, KeySize: >= 2048 } => null,
            { KeyAlgorithm: CsrRequest.Ecdsa, KeySize: 256 or 384 or 521 } => null,
            var r => $"{r.KeyAlgorithm}-{r.KeySize} key is not allowed (RSA ≥ 2048 bits or ECDSA P-256/P-384/P-521)",
        };
}
