using KubePki.Controller.Signing;

namespace KubePki.Controller.Tests.Support;

/// <summary>openssl-made kubelet-serving requests (CN system:node:node1, O system:nodes, DNS node1, IP 10.0.0.1) whose
/// keys neither KCM nor kubepki signs for: Ed25519/Ed448, EC curves other than the NIST ones, RSA-PSS and DSA
/// keys.</summary>
public static class UnsupportedKeyCsrs
{
    public static TheoryData<string> Names => new("ed25519", "ed448", "secp256k1", "brainpoolP256r1", "rsapss", "dsa");

    public static byte[] Pem(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", "csrs", $"{name}.csr"));

    public static KubePki.Controller.Model.CsrSnapshot Serving(string name, string[]? usages = null) =>
        Csrs.Serving(
            new CsrSpec(),
            usages: usages ?? Csrs.EcdsaServingUsages,
            request: Pem(name),
            signer: SignerNames.KubeletServing
        );
}
