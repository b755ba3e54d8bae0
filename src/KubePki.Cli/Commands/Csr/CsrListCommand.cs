using System.CommandLine;
using k8s;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Runtime;

namespace KubePki.Cli.Commands.Csr;

/// <summary><c>kubepki csr list</c>: what <c>kubectl get csr</c> prints, from the same API objects.</summary>
public static class CsrListCommand
{
    public static Command Create(CliEnvironment env)
    {
        var kubeconfig = CsrCommand.KubeconfigOption();
        var command = new Command(
            "list",
            "List CertificateSigningRequests with kubectl's get csr columns (NAME AGE SIGNERNAME REQUESTOR "
                + "REQUESTEDDURATION CONDITION)"
        );
        command.Options.Add(kubeconfig);
        command.SetAction(
            (result, cancellationToken) =>
                CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        var client = KubeClientFactory.Create(result.GetValue(kubeconfig));
                        var list = await client.CertificatesV1.ListCertificateSigningRequestAsync(
                            cancellationToken: cancellationToken
                        );
                        if (list.Items.Count == 0)
                        {
                            env.Error.WriteLine("No resources found");
                            return 0;
                        }
                        env.Out.Write(
                            CsrTablePrinter.Render(list.Items.Select(CsrConverter.ToSnapshot), env.Time.GetUtcNow())
                        );
                        return 0;
                    }
                )
        );
        return command;
    }
}
