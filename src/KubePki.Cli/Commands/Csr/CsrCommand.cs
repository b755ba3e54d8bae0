using System.CommandLine;

namespace KubePki.Cli.Commands.Csr;

/// <summary><c>kubepki csr</c>: look at and decide CertificateSigningRequests, as kubectl's <c>get csr</c> and
/// <c>certificate approve|deny</c> do, plus the approver's dry-run verdict.</summary>
public static class CsrCommand
{
    public static Command Create(CliEnvironment env)
    {
        var csr = new Command("csr", "Inspect, check, approve and deny CertificateSigningRequests");
        csr.Subcommands.Add(CsrListCommand.Create(env));
        csr.Subcommands.Add(CsrCheckCommand.Create(env));
        csr.Subcommands.Add(CsrApprovalCommand.Create(env, approve: true));
        csr.Subcommands.Add(CsrApprovalCommand.Create(env, approve: false));
        return csr;
    }

    public static Option<string?> KubeconfigOption() =>
        new("--kubeconfig")
        {
            Description = "Path to the kubeconfig file to use (default: the in-cluster service account).",
        };
}
