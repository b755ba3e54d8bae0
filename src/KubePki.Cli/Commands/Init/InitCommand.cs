using System.CommandLine;
using KubePki.Catalog;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Init;

/// <summary><c>kubepki init</c>: the certificate phases of <c>kubeadm init</c> in one run — <c>certs all</c> then
/// <c>kubeconfig all</c> — so every key the run needs is generated at once, in parallel. <c>init phase ...</c> runs
/// them one at a time.</summary>
public static class InitCommand
{
    public static Command Create(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var init = new Command(
            "init",
            "Create the cluster PKI (certs all) and the kubeconfig files (kubeconfig all), as the certificate "
                + "phases of kubeadm init do. Existing files are reused after checking them; nothing is overwritten."
        );
        foreach (
            var option in new Option[]
            {
                options.Config,
                options.CertDir,
                options.KubeconfigDir,
                options.AdvertiseAddress,
                options.BindPort,
                options.ControlPlaneEndpoint,
                options.ExtraSans,
                options.ServiceCidr,
                options.DnsDomain,
                options.NodeName,
                options.DryRun,
                options.KubernetesVersion,
            }
        )
        {
            init.Options.Add(option);
        }
        init.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var (context, keys) = RunContext.Create(env, options, result);
                    var certs = new PkiGenerator(context);
                    var kubeconfigs = new KubeconfigGenerator(context);
                    keys.Prefetch(
                        context.Config.KeyAlgorithm,
                        certs.MissingKeyCount() + kubeconfigs.MissingKeyCount(KubeconfigCatalog.All)
                    );
                    certs.CreateAll();
                    kubeconfigs.CreateAll();
                    return 0;
                }
            )
        );
        var phase = new Command("phase", "Use this command to invoke single phase of the init workflow.");
        phase.Subcommands.Add(InitPhaseCertsCommand.Create(env));
        phase.Subcommands.Add(InitPhaseKubeconfigCommand.Create(env));
        init.Subcommands.Add(phase);
        return init;
    }
}
