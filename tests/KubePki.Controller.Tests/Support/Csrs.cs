using KubePki.Controller.Model;
using KubePki.Controller.Signing;

namespace KubePki.Controller.Tests.Support;

/// <summary>CsrSnapshot builders: a CSR as the API would store it for a kubelet.</summary>
public static class Csrs
{
    public static readonly string[] EcdsaServingUsages = ["digital signature", "server auth"];
    public static readonly string[] RsaServingUsages = ["digital signature", "key encipherment", "server auth"];

    public static CsrSnapshot Serving(
        CsrSpec spec,
        string? username = null,
        IReadOnlyList<string>? usages = null,
        int? expirationSeconds = null,
        string signer = SignerNames.KubeletServing,
        byte[]? request = null,
        IReadOnlyList<string>? groups = null
    ) =>
        new(
            "csr-1",
            signer,
            request ?? CsrFactory.Pem(spec),
            usages ?? (spec.Key == "ecdsa" ? EcdsaServingUsages : RsaServingUsages),
            expirationSeconds,
            username ?? spec.CommonName,
            groups ?? ["system:nodes", "system:authenticated"],
            [],
            null,
            null
        );

    public static CsrSnapshot Approved(this CsrSnapshot csr) =>
        csr with
        {
            Conditions = [.. csr.Conditions, new CsrCondition(CsrCondition.Approved, "True", "Test", "", null)],
        };

    public static CsrSnapshot With(this CsrSnapshot csr, string type) =>
        csr with
        {
            Conditions = [.. csr.Conditions, new CsrCondition(type, "True", "Test", "", null)],
        };
}
