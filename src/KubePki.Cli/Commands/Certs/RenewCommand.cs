using System.CommandLine;
using KubePki.Cli.Commands.ControlPlane;
using KubePki.ControlPlane;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs renew all|&lt;name&gt;</c>, one sub-command per renewable certificate (from the catalog)
/// as in kubeadm.</summary>
public static class RenewCommand
{
    public static Command Create(CliEnvironment env)
    {
        var renew = new Command(
            "renew",
            "Renew certificates for a Kubernetes cluster. Before anything is replaced the old files are copied to a "
                + "timestamped backup directory; each new certificate is verified first."
        );
        renew.Subcommands.Add(Renewal(env, "all", "Renew all available certificates"));
        foreach (var name in RenewalCatalog.Names)
        {
            renew.Subcommands.Add(Renewal(env, name, $"Renew the {name} certificate"));
        }
        return renew;
    }

    /// <summary>kubeadm's closing line, naming only the components that use what was renewed; none when nothing
    /// that a component loads at start-up was renewed.</summary>
    public static string? Reminder(RenewalResult result) =>
        result.Restart.Count == 0
            ? null
            : $"\nDone renewing certificates. You must restart the {JoinWithAnd(result.Restart)}, so that they can use "
                + "the new certificates.";

    private static string JoinWithAnd(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";

    private static Command Renewal(CliEnvironment env, string name, string description)
    {
        var options = new ClusterOptions();
        var csrOnly = new Option<bool>("--csr-only")
        {
            Description =
                "Create CSRs for use with an external CA "
                + "instead of renewing: a new key and a CSR per certificate, subject and SANs taken from the existing "
                + "certificate, which stays in place.",
        };
        var csrDir = new Option<string?>("--csr-dir")
        {
            Description = "The path to output the CSRs and private keys " + "to (default: the cert dir).",
        };
        var expiringWithin = new Option<string?>("--expiring-within")
        {
            Description =
                "Renew only certificates that " + "expire within this duration (e.g. 720h), for unattended timers.",
        };
        var lockTimeout = LockTimeoutOption.Create();
        var backupRetention = new Option<int>("--backup-retention")
        {
            Description =
                "How many backup directories (<kubeconfig-dir>/tmp/kubepki-backup-certs-*) to keep; "
                + "0 keeps none once the renewal is done.",
            DefaultValueFactory = _ => ReplacementPolicy.DefaultBackupRetention,
        };
        backupRetention.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--backup-retention must be 0 or more");
            }
        });
        var restart = new Option<bool>("--restart-control-plane")
        {
            Description =
                "After renewing, restart the "
                + "static-pod components that use what was renewed and wait until they are healthy and serve the new "
                + "certificates.",
        };
        var controlPlane = new ControlPlaneOptions();
        var command = new Command(name, description);
        foreach (
            var option in new Option[]
            {
                options.CertDir,
                options.Config,
                options.KubeconfigDir,
                options.DryRun,
                csrOnly,
                csrDir,
                expiringWithin,
                options.Kubeconfig,
                lockTimeout,
                backupRetention,
                restart,
                controlPlane.ManifestsDir,
                controlPlane.KubeletConfig,
                controlPlane.Timeout,
            }
        )
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var dryRun = result.GetValue(options.DryRun);
                    var renewal = new RenewalOptions
                    {
                        DryRun = dryRun,
                        ExpiringWithin = result.GetValue(expiringWithin) is { } window
                            ? DurationFlag.Read(window, "--expiring-within")
                            : null,
                        LockTimeout = LockTimeoutOption.Read(result, lockTimeout),
                        BackupRetention = result.GetValue(backupRetention),
                        ConfigGiven = false,
                    };
                    var (context, _) = RunContext.Create(
                        env,
                        options,
                        result,
                        configLog: TextWriter.Null,
                        fromCluster: (result.GetValue(options.Kubeconfig)!, "renew")
                    );
                    // The configuration decides key types only when it was read (a file or the cluster's ConfigMap).
                    renewal = renewal with
                    {
                        ConfigGiven = context.Config.Source is not null,
                    };
                    var config = context.Config;
                    var renewer = new Renewer(context, env.Time);
                    var items =
                        name == "all"
                            ? RenewalCatalog.Items(config, context.Pki)
                            : [RenewalCatalog.Find(config, context.Pki, name)];
                    if (result.GetValue(csrOnly))
                    {
                        if (result.GetValue(restart))
                        {
                            throw new KubePkiException(
                                "--restart-control-plane cannot be combined with --csr-only: nothing is "
                                    + "renewed until the signed certificates are installed"
                            );
                        }
                        renewer.RenewCsrOnly(items, result.GetValue(csrDir) ?? config.CertificatesDir, renewal);
                        return 0;
                    }
                    if (!result.GetValue(restart))
                    {
                        var renewed = renewer.Renew(items, renewal);
                        if (!dryRun && Reminder(renewed) is { } reminder)
                        {
                            env.Out.WriteLine(reminder);
                        }
                        return 0;
                    }
                    var request = new RestartRequest(
                        controlPlane.Read(result, config.KubeconfigDir, dryRun),
                        renewal.LockTimeout
                    );
                    using var refresh = ControlPlaneRefresh.Open(
                        request,
                        ControlPlaneRefresh.Users(items.Select(i => i.Name)),
                        env.Waits,
                        env.Out
                    );
                    refresh.RenewAsync(renewer, items, renewal).GetAwaiter().GetResult();
                    return 0;
                }
            )
        );
        return command;
    }
}
