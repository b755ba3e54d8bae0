using System.CommandLine;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs generate-csr</c>: keys and CSRs for every certificate and kubeconfig, for an external
/// CA.</summary>
public static class GenerateCsrCommand
{
    public static Command Create(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var command = new Command(
            "generate-csr",
            "Generates keys and certificate signing requests (CSRs) for all the certificates required to run the "
                + "control plane. This command also generates partial kubeconfig files with private key data in the "
                + "\"users > user > client-key-data\" field, and for each kubeconfig file an accompanying \".csr\" "
                + "file is created. Existing files are never overwritten."
        );
        foreach (var option in new Option[] { options.CertDir, options.Config, options.KubeconfigDir })
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var (context, keys) = RunContext.Create(env, options, result, usesAddress: false);
                    var generator = new CsrGenerator(context);
                    keys.Prefetch(context.Config.KeyAlgorithm, generator.KeyCount);
                    generator.GenerateAll();
                    return 0;
                }
            )
        );
        return command;
    }
}
