using System.CommandLine;
using KubePki.Catalog;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Init;

/// <summary><c>kubepki init phase certs all|&lt;name&gt;|sa</c>, one sub-command per catalog row as in
/// kubeadm.</summary>
public static class InitPhaseCertsCommand
{
    public static Command Create(CliEnvironment env)
    {
        var certs = new Command("certs", "Certificate generation");
        certs.Subcommands.Add(
            Phase(
                env,
                "all",
                "Generate all certificates",
                withSans: true,
                generator => generator.CreateAll(),
                prefetch: g => g.MissingKeyCount()
            )
        );
        foreach (var definition in CertCatalog.All)
        {
            certs.Subcommands.Add(
                Phase(
                    env,
                    definition.Name,
                    $"Generate the {definition.LongName}",
                    withSans: definition.Name == "apiserver",
                    generator => generator.Create(definition),
                    prefetch: _ => 1
                )
            );
        }
        certs.Subcommands.Add(
            Phase(
                env,
                "sa",
                "Generate a private key for signing service account tokens along with its public key",
                withSans: false,
                generator => generator.CreateServiceAccountKeys(),
                prefetch: _ => 0
            )
        );
        return certs;
    }

    private static Command Phase(
        CliEnvironment env,
        string name,
        string description,
        bool withSans,
        Action<PkiGenerator> run,
        Func<PkiGenerator, int> prefetch
    )
    {
        var options = new ClusterOptions();
        var command = new Command(
            name,
            description + ". Existing certificates and keys are reused after checking them; nothing is overwritten."
        );
        command.Options.Add(options.CertDir);
        command.Options.Add(options.Config);
        command.Options.Add(options.DryRun);
        command.Options.Add(options.KubernetesVersion);
        if (withSans)
        {
            command.Options.Add(options.AdvertiseAddress);
            command.Options.Add(options.ControlPlaneEndpoint);
            command.Options.Add(options.ExtraSans);
            command.Options.Add(options.DnsDomain);
            command.Options.Add(options.ServiceCidr);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var (context, keys) = RunContext.Create(env, options, result, usesAddress: name != "sa");
                    var generator = new PkiGenerator(context);
                    keys.Prefetch(context.Config.KeyAlgorithm, prefetch(generator));
                    run(generator);
                    return 0;
                }
            )
        );
        return command;
    }
}
