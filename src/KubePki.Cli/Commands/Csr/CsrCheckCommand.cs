using System.CommandLine;
using KubePki.Cli.Commands.Controller;
using KubePki.Cli.Rendering;
using KubePki.Controller.Runtime;

namespace KubePki.Cli.Commands.Csr;

/// <summary><c>kubepki csr check [NAME...]</c>: the kubelet-serving approver's verdict, with the same flags and the
/// same inputs as <c>kubepki controller</c> (every Node, the cluster's kubeadm-config), for every pending
/// kubelet-serving CSR (or the named ones). Reads only; writes nothing.</summary>
public static class CsrCheckCommand
{
    public static Command Create(CliEnvironment env)
    {
        var kubeconfig = CsrCommand.KubeconfigOption();
        var approverFlags = new ApproverFlags();
        var names = new Argument<string[]>("NAME")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "CSRs to check (default: every pending kubernetes.io/kubelet-serving CSR).",
        };
        var command = new Command(
            "check",
            "Show the kubelet-serving approver's verdict for pending CSRs without changing anything"
        );
        command.Options.Add(kubeconfig);
        foreach (var option in approverFlags.All)
        {
            command.Options.Add(option);
        }
        command.Arguments.Add(names);
        command.SetAction(
            (result, cancellationToken) =>
                CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        var check = new CsrChecks(
                            KubeClientFactory.Create(result.GetValue(kubeconfig)),
                            approverFlags.Read(result),
                            approverFlags.ReadServiceNetworks(result),
                            approverFlags.ReadClusterDomain(result)
                        );
                        var checks = await check.EvaluateAsync(result.GetValue(names) ?? [], cancellationToken);
                        foreach (var note in check.Notes)
                        {
                            env.Error.WriteLine($"approver: {note}");
                        }
                        if (checks.Count == 0)
                        {
                            env.Out.WriteLine("No pending kubernetes.io/kubelet-serving CSRs.");
                            return 0;
                        }
                        var table = new TabWriter(minWidth: 6, padding: 3);
                        table.WriteLine("NAME\tREQUESTOR\tVERDICT\tDETAIL");
                        foreach (var (csr, verdict) in checks)
                        {
                            table.WriteLine(
                                $"{csr.Metadata.Name}\t{csr.Spec.Username}\t{verdict.Decision}\t{verdict.Message}"
                            );
                        }
                        env.Out.Write(table.Flush());
                        return 0;
                    }
                )
        );
        return command;
    }
}
