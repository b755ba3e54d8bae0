using System.CommandLine;
using KubePki.Configuration;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs renew all|&lt;name&gt;</c>, one sub-command per renewable certificate as in kubeadm.</summary>
public static class RenewCommand
{
    private static readonly string[] Names =
    [
        "admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf",
        "etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf", "super-admin.conf",
    ];

    public const string Reminder = "\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.";

    public static Command Create(CliEnvironment env)
    {
        var renew = new Command("renew", "Renew certificates for a Kubernetes cluster. Before anything is replaced the old files are copied to a timestamped backup directory; each new certificate is verified first.");
        renew.Subcommands.Add(Renewal(env, "all", "Renew all available certificates"));
        foreach (var name in Names)
        {
            renew.Subcommands.Add(Renewal(env, name, $"Renew the {name} certificate"));
        }
        return renew;
    }

    private static Command Renewal(CliEnvironment env, string name, string description)
    {
        var options = new ClusterOptions();
        var csrOnly = new Option<bool>("--csr-only") { Description = "Create CSRs for use with an external CA instead of renewing: a new key and a CSR per certificate, subject and SANs taken from the existing certificate, which stays in place." };
        var csrDir = new Option<string?>("--csr-dir") { Description = "The path to output the CSRs and private keys to (default: the cert dir)." };
        var expiringWithin = new Option<string?>("--expiring-within") { Description = "Renew only certificates that expire within this duration (e.g. 720h), for unattended timers." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Accepted for kubeadm compatibility; the configuration comes from --config or the defaults." };
        var lockTimeout = new Option<string>("--lock-timeout") { Description = "How long to wait for another renewal to finish.", DefaultValueFactory = _ => "30s" };
        var command = new Command(name, description);
        foreach (var option in new Option[] { options.CertDir, options.Config, options.KubeconfigDir, options.DryRun, csrOnly, csrDir, expiringWithin, kubeconfig, lockTimeout })
        {
            command.Options.Add(option);
        }
        command.SetAction(result => CommandGuard.Run(env, () =>
        {
            var (context, keys) = RunContext.Create(env, options, result, configLog: TextWriter.Null);
            var (config, pki, store) = (context.Config, context.Pki, context.Pki.Store);
            var dryRun = result.GetValue(options.DryRun);
            var items = name == "all" ? RenewalCatalog.Items(config, pki) : [RenewalCatalog.Find(config, pki, name)];
            if (result.GetValue(csrOnly))
            {
                new CsrGenerator(context).RenewCsrOnly(items, result.GetValue(csrDir) ?? config.CertificatesDir);
                return 0;
            }
            var window = Duration(result.GetValue(expiringWithin), "--expiring-within");
            using var held = dryRun ? null : RenewalLock.Acquire(config.CertificatesDir, Duration(result.GetValue(lockTimeout), "--lock-timeout") ?? TimeSpan.Zero);
            if (window is null && !dryRun)
            {
                keys.Prefetch(config.KeyAlgorithm, items.Count(i => i.Exists(store)));
            }
            new Renewer(context).Renew(items, new RenewalOptions(dryRun, window));
            if (name == "all" && !dryRun)
            {
                env.Out.WriteLine(Reminder);
            }
            return 0;
        }));
        return command;
    }

    private static TimeSpan? Duration(string? text, string flag) =>
        text is null ? null
        : GoDuration.TryParse(text, out var value) && value >= TimeSpan.Zero ? value
        : throw new KubePkiException($"{flag}: \"{text}\" is not a valid duration (e.g. 720h)");
}
