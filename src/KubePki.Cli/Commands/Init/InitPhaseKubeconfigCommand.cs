using System.CommandLine;
using KubePki.Catalog;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Init;

/// <summary><c>kubepki init phase kubeconfig all|admin|super-admin|kubelet|controller-manager|scheduler</c>.</summary>
public static class InitPhaseKubeconfigCommand
{
    public static Command Create(CliEnvironment env)
    {
        var kubeconfig = new Command(
            "kubeconfig",
            "Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file"
        );
        kubeconfig.Subcommands.Add(
            Phase(
                env,
                "all",
                "Generate all kubeconfig files",
                withNodeName: true,
                g => g.CreateAll(),
                g => g.MissingKeyCount(KubeconfigCatalog.All)
            )
        );
        foreach (var definition in KubeconfigCatalog.All)
        {
            kubeconfig.Subcommands.Add(
                Phase(
                    env,
                    definition.Name,
                    $"Generate a kubeconfig file with the {definition.LongName}",
                    withNodeName: definition == KubeconfigCatalog.Kubelet,
                    g => g.Create(definition),
                    _ => 0
                )
            );
        }
        return kubeconfig;
    }

    private static Command Phase(
        CliEnvironment env,
        string name,
        string description,
        bool withNodeName,
        Action<KubeconfigGenerator> run,
        Func<KubeconfigGenerator, int> prefetch
    )
    {
        var options = new ClusterOptions();
        var command = new Command(name, description + ". An existing file is reused if it embeds the current ca.crt.");
        foreach (
            var option in new Option[]
            {
                options.AdvertiseAddress,
                options.BindPort,
                options.CertDir,
                options.Config,
                options.ControlPlaneEndpoint,
                options.DryRun,
                options.KubeconfigDir,
                options.KubernetesVersion,
            }
        )
        {
            command.Options.Add(option);
        }
        if (withNodeName)
        {
            command.Options.Add(options.NodeName);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var (context, keys) = RunContext.Create(env, options, result);
                    var generator = new KubeconfigGenerator(context);
                    keys.Prefetch(context.Config.KeyAlgorithm, prefetch(generator));
                    run(generator);
                    return 0;
                }
            )
        );
        return command;
    }
}
