using System.Text;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.Controller.Signing;

namespace KubePki.Fuzz;

/// <summary>The CSR parser and the kubelet-serving approver, fed <c>spec.request</c>. Contract: the parser returns or
/// throws <see cref="InvalidCsrException"/>, with and without the self-signature check; the approver never throws and
/// always decides (a request the parser refuses is denied by rule RequestIsValid). An input not starting with '-' is
/// taken as DER and wrapped in a CERTIFICATE REQUEST block, so the fuzzer mutates ASN.1 rather than base64.</summary>
public static class CsrTarget
{
    public const string Name = "csr";

    private static readonly NodeFacts Node = new(
        "node1",
        [
            new NodeAddress("InternalIP", "10.0.0.1"),
            new NodeAddress("Hostname", "node1"),
            new NodeAddress("InternalIP", "fd00::1"),
        ]
    );

    private static readonly KubeletServingApprover Approver = new(ApproverOptions.Default);

    public static void Run(byte[] input)
    {
        var request =
            input.Length > 0 && input[0] == (byte)'-'
                ? input
                : Encoding.ASCII.GetBytes(
                    "-----BEGIN CERTIFICATE REQUEST-----\n"
                        + Convert.ToBase64String(input)
                        + "\n-----END CERTIFICATE REQUEST-----\n"
                );
        var valid = Parses(request, verifySignature: true);
        _ = Parses(request, verifySignature: false);

        var csr = new CsrSnapshot(
            "csr-fuzz",
            SignerNames.KubeletServing,
            request,
            ["digital signature", "server auth"],
            null,
            "system:node:node1",
            ["system:nodes", "system:authenticated"],
            [],
            null,
            DateTimeOffset.UnixEpoch
        );
        var verdict = Approver.Evaluate(csr, Node);
        if (verdict.Decision is not (ApprovalDecision.Approve or ApprovalDecision.Deny))
        {
            throw new ContractViolation($"a pending kubelet-serving CSR was not decided: {verdict.Decision}");
        }
        if (
            !valid
            && (verdict.Decision != ApprovalDecision.Deny || verdict.Violations.All(v => v.Rule != "RequestIsValid"))
        )
        {
            throw new ContractViolation("a request the parser refuses was not denied as invalid");
        }
    }

    private static bool Parses(byte[] request, bool verifySignature)
    {
        try
        {
            _ = CsrRequestParser.Parse(request, verifySignature);
            return true;
        }
        catch (InvalidCsrException)
        {
            return false;
        }
    }
}
