using System.CommandLine;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Runtime;

namespace KubePki.Cli.Commands.Csr;

/// <summary><c>kubepki csr approve|deny NAME... [--force]</c>, as <c>kubectl certificate approve|deny</c>: the
/// condition
/// goes through the /approval subresource (see <see cref="CsrApprovals"/>).</summary>
public static class CsrApprovalCommand
{
    public static Command Create(CliEnvironment env, bool approve)
    {
        var verb = approve ? "approve" : "deny";
        var kubeconfig = CsrCommand.KubeconfigOption();
        var force = new Option<bool>("--force")
        {
            Description = $"Update the CSR even if it is already {(approve ? "approved" : "denied")}.",
        };
        var names = new Argument<string[]>("NAME")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "Names of CertificateSigningRequests.",
        };
        var command = new Command(
            verb,
            approve ? "Approve certificate signing requests" : "Deny certificate signing requests"
        );
        command.Options.Add(kubeconfig);
        command.Options.Add(force);
        command.Arguments.Add(names);
        command.SetAction(
            (result, cancellationToken) =>
                CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        var requested = result.GetValue(names) ?? [];
                        if (requested.Length == 0)
                        {
                            throw new KubePkiException("one or more CSRs must be specified as <name>");
                        }
                        var approvals = new CsrApprovals(
                            KubeClientFactory.Create(result.GetValue(kubeconfig)),
                            env.Time
                        );
                        var failed = false;
                        foreach (var name in requested)
                        {
                            try
                            {
                                await approvals.ApplyAsync(name, approve, result.GetValue(force), cancellationToken);
                                env.Out.WriteLine(
                                    $"certificatesigningrequest.certificates.k8s.io/{name} "
                                        + $"{(approve ? "approved" : "denied")}"
                                );
                            }
                            // As kubectl: one name refused does not stop the others; each is worded as the
                            // guard words a whole command's error.
                            catch (Exception e) when (CommandGuard.Describe(e) is { } line)
                            {
                                env.Error.WriteLine(line);
                                failed = true;
                            }
                        }
                        return failed ? 1 : 0;
                    }
                )
        );
        return command;
    }
}
