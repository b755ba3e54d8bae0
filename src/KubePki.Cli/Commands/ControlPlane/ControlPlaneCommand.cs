using System.CommandLine;
using KubePki.Configuration;
using KubePki.ControlPlane;

namespace KubePki.Cli.Commands.ControlPlane;

/// <summary><c>kubepki control-plane restart|apply</c>: static pod restarts and the static-pod step of kubeadm
/// upgrade.</summary>
public static class ControlPlaneCommand
{
    private const string DefaultKubeconfigDir = "/etc/kubernetes";

    public static Command Create(CliEnvironment env)
    {
        var command = new Command(
            "control-plane",
            "Restart the static-pod control plane, or install new static pod manifests as kubeadm upgrade does."
        );
        command.Subcommands.Add(Restart(env));
        command.Subcommands.Add(Apply(env));
        return command;
    }

    private static Command Restart(CliEnvironment env)
    {
        var components = new Argument<string[]>("component")
        {
            Description =
                "all (every component whose manifest is in the manifests dir), or one or more of: etcd, "
                + "kube-apiserver, kube-controller-manager, kube-scheduler",
            Arity = ArgumentArity.OneOrMore,
        };
        var kubeconfigDir = new Option<string?>("--kubeconfig-dir")
        {
            Description =
                $"The kubeconfig directory; the "
                + $"journal and the holding area live in its tmp/. (default \"{DefaultKubeconfigDir}\")",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Don't move anything; just output what would be " + "done.",
        };
        var options = new ControlPlaneOptions();
        var command = new Command(
            "restart",
            "Restart static-pod components one at a time in kubeadm's upgrade order: move the manifest out, wait "
                + "until the component has stopped, put it back, wait until it is healthy."
        );
        command.Arguments.Add(components);
        foreach (var option in options.All.Append(kubeconfigDir).Append(dryRun))
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var lockTimeout = options.ReadLockTimeout(result);
                    var names = result.GetValue(components) ?? [];
                    var selected = ControlPlaneComponent.ParseList(names);
                    var settings = options.Read(
                        result,
                        result.GetValue(kubeconfigDir) ?? DefaultKubeconfigDir,
                        result.GetValue(dryRun)
                    );
                    if (names is ["all"])
                    {
                        selected = StaticPodRestarter.Installed(settings, env.Out);
                    }
                    foreach (var component in selected)
                    {
                        // bad input fails before the lock is taken
                        StaticPodRestarter.Checked(StaticPodManifest.Load(settings.ManifestPath(component)));
                    }
                    using var refresh = ControlPlaneRefresh.Open(
                        new RestartRequest(settings, lockTimeout),
                        selected,
                        env.Waits,
                        env.Out
                    );
                    refresh.RestartAsync(selected).GetAwaiter().GetResult();
                    return 0;
                }
            )
        );
        return command;
    }

    private static Command Apply(CliEnvironment env)
    {
        var cluster = new ClusterOptions();
        var options = new ControlPlaneOptions();
        var from = new Option<string>("--manifests-from")
        {
            Description = "The directory with the new static pod manifests (etcd.yaml, kube-apiserver.yaml, ...).",
            Required = true,
        };
        var renewal = new Option<bool>("--certificate-renewal")
        {
            Description =
                "Renew the certificates of each component whose manifest changes, and admin.conf at the end. "
                + "(default true, or apply.certificateRenewal of an UpgradeConfiguration in --config)",
            DefaultValueFactory = _ => true,
        };
        var etcdUpgrade = new Option<bool>("--etcd-upgrade")
        {
            Description =
                "Perform the upgrade of etcd. (default true, or apply.etcdUpgrade of an UpgradeConfiguration in "
                + "--config)",
            DefaultValueFactory = _ => true,
        };
        var command = new Command(
            "apply",
            "Install new static pod manifests as kubeadm upgrade does: for each changed component, renew its "
                + "certificates, back up its manifest, replace it and wait until it is healthy; etcd's data is "
                + "copied first and an older etcd is not installed; a failure rolls back every component the run "
                + "replaced. --timeout defaults to timeouts.upgradeManifests of an UpgradeConfiguration."
        );
        foreach (
            var option in options.All.Concat([
                from,
                renewal,
                etcdUpgrade,
                cluster.Config,
                cluster.CertDir,
                cluster.KubeconfigDir,
                cluster.DryRun,
            ])
        )
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var dryRun = result.GetValue(cluster.DryRun);
                    // Config warnings (unknown fields) are printed; the advertise address plays no part here.
                    var (context, _) = RunContext.Create(env, cluster, result, usesAddress: false);
                    var upgrade =
                        context.Config.Source is { } source && result.GetValue(cluster.Config) is { } path
                            ? KubeadmConfigLoader.LoadUpgrade(ClusterConfigResolver.ReadConfigFile(path), source)
                            : new UpgradeSettings(null, null, null);
                    var settings = options.Read(result, context.Config.KubeconfigDir, dryRun);
                    if (!Given(result, options.Timeout) && upgrade.UpgradeManifests is { } timeout)
                    {
                        settings = settings with { Timeout = timeout };
                    }
                    var renew = Given(result, renewal) ? result.GetValue(renewal) : upgrade.CertificateRenewal ?? true;
                    var etcd = Given(result, etcdUpgrade) ? result.GetValue(etcdUpgrade) : upgrade.EtcdUpgrade ?? true;
                    var lockTimeout = options.ReadLockTimeout(result);
                    // Every new manifest is read and checked before the lock is taken or anything is written.
                    var manifests = NewManifest.ReadAll(result.GetValue(from)!, env.Out);
                    // Each certificate renewal takes the renewal lock itself (Renewer, under <kubeconfig-dir>/tmp/).
                    using var probe = new HttpComponentProbe();
                    using var restarter = StaticPodRestarter.Open(settings, probe, env.Waits, env.Out, lockTimeout);
                    new ManifestUpgrader(restarter, env.Waits, env.Out)
                        .ApplyAsync(manifests, new ApplyOptions(renew ? new ComponentCertRenewal(context) : null, etcd))
                        .GetAwaiter()
                        .GetResult();
                    return 0;
                }
            )
        );
        return command;
    }

    /// <summary>Whether the flag was on the command line (flags override the config file).</summary>
    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}
