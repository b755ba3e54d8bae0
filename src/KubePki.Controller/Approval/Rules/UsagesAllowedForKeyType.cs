using KubePki.Controller.Signing;

namespace KubePki.Controller.Approval;

/// <summary>The usages a kubelet requests (client-go DefaultKubeletServingGetUsages): RSA keys {digital signature, key
/// encipherment, server auth}, other keys {digital signature, server auth}. RSA may also omit key encipherment; an
/// ECDSA key can never encipher, so asking for it is not a kubelet.</summary>
public sealed class UsagesAllowedForKeyType : IApprovalRule
{
    private static readonly string[] WithEncipherment =
    [
        KeyUsages.DigitalSignature,
        KeyUsages.KeyEncipherment,
        KeyUsages.ServerAuth,
    ];
    private static readonly string[] SignatureOnly = [KeyUsages.DigitalSignature, KeyUsages.ServerAuth];

    public string Name => nameof(UsagesAllowedForKeyType);

    public string? Check(ApprovalInput input)
    {
        var usages = input.Csr.Usages.ToHashSet(StringComparer.Ordinal);
        var ok =
            usages.SetEquals(SignatureOnly)
            || (input.Request.KeyAlgorithm == CsrRequest.Rsa && usages.SetEquals(WithEncipherment));
        if (ok && usages.Count == input.Csr.Usages.Count)
        {
            return null;
        }
        var allowed =
            input.Request.KeyAlgorithm == CsrRequest.Rsa
                ? "[digital signature key encipherment server auth] or [digital signature server auth]"
                : "[digital signature server auth]";
        return $"usages [{string.Join(", ", input.Csr.Usages)}] are not allowed for a {input.Request.KeyAlgorithm} "
            + $"key; allowed: {allowed}";
    }
}
