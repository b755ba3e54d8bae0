using System.CommandLine;
using KubePki.Cli.Commands.ControlPlane;
using KubePki.Configuration;
using KubePki.ControlPlane;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs renew all|&lt;name&gt;</c>, one sub-command per renewable certificate as in
/// kubeadm.</summary>
public static class RenewCommand
{
    private static readonly string[] Names =
    [
        "admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf",
        "etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf",
            "super-admin.conf",
    ];

    public const string Reminder = "\nDone renewing certificates. You must restart the kube-apiserver, " +
        "kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.";

    public static Command Create(CliEnvironment env)
    {
        var renew = new Command("renew",
            "Renew certificates for a Kubernetes cluster. Before anything is replaced the old files are copied to a " +
            "timestamped backup directory; each new certificate is verified first.");
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
        var csrOnly = new Option<bool>("--csr-only") { Description = "Create CSRs for use with an external CA " +
            "instead of renewing: a new key and a CSR per certificate, subject and SANs taken from the existing " +
            "certificate, which stays in place." };
        var csrDir = new Option<string?>("--csr-dir") { Description = "The path to output the CSRs and private keys " +
            "to (default: the cert dir)." };
        var expiringWithin = new Option<string?>("--expiring-within") { Description = "Renew only certificates that " +
            "expire within this duration (e.g. 720h), for unattended timers." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Accepted for kubeadm compatibility; " +
            "the configuration comes from --config or the defaults." };
        var lockTimeout = new Option<string>("--lock-timeout") { Description = "How long to wait for another renewal " +
            "to finish.", DefaultValueFactory = _ => "30s" };
        var restart = new Option<bool>("--restart-control-plane") { Description = "After renewing, restart the " +
            "static-pod components that use what was renewed and wait until they are healthy and serve the new " +
            "certificates." };
        var controlPlane = new ControlPlaneOptions();
        var command = new Command(name, description);
        foreach (var option in new Option[] { options.CertDir, options.Config, options.KubeconfigDir, options.DryRun,
            csrOnly, csrDir, expiringWithin, kubeconfig, lockTimeout, restart,
            controlPlane.ManifestsDir, controlPlane.KubeletConfig, controlPlane.Timeout })
        {
            command.Options.Add(option);
        }
        command.SetAction(result => CommandGuard.Run(env, () =>
        {
            var (context, keys) = RunContext.Create(env, options, result, configLog: TextWriter.Null);
            var (config, pki, store) = (context.Config, context.Pki, context.Pki.Store);
            var dryRun = result.GetValue(options.DryRun);
            var items = name == "all" ? RenewalCatalog.Items(config, pki) : [RenewalCatalog.Find(config, pki, name)];
            if (result.GetValue(csrOnly) && result.GetValue(restart))
            {
                throw new KubePkiException("--restart-control-plane cannot be combined with --csr-only: nothing is " +
                    "renewed until the signed certificates are installed");
            }
            if (result.GetValue(csrOnly))
            {
                new CsrGenerator(context).RenewCsrOnly(items, result.GetValue(csrDir) ?? config.CertificatesDir);
                return 0;
            }
            var window = Duration(result.GetValue(expiringWithin), "--expiring-within");
            var lockWait = Duration(result.GetValue(lockTimeout), "--lock-timeout") ?? TimeSpan.Zero;
            using var held = dryRun ? null : RenewalLock.Acquire(config.CertificatesDir, lockWait);
            using var probe = result.GetValue(restart) ? new HttpComponentProbe() : null;
            // Opened before renewing: it takes the control-plane lock, puts back what a crashed run left out, and the
            // manifests of every component that may need a restart are checked before any certificate changes.
            using var restarter = probe is null ? null
                : StaticPodRestarter.Open(controlPlane.Read(result, config.KubeconfigDir, dryRun), probe,
                    TimeProvider.System, env.Out, lockWait);
            foreach (var component in ComponentCertificates.Owners(items.Select(i => i.Name)))
            {
                restarter?.LoadChecked(component);
            }
            if (window is null && !dryRun)
            {
                keys.Prefetch(config.KeyAlgorithm, items.Count(i => i.Exists(store)));
            }
            var renewed = new Renewer(context).Renew(items, new RenewalOptions(dryRun, window));
            if (restarter is not null)
            {
                var owners = ComponentCertificates.Owners(renewed.Renewed);
                env.Out.WriteLine(owners.Count == 0
                    ? "[control-plane] No renewed certificate is used by a static-pod component: nothing to restart"
                    : $"[control-plane] Restarting the components that use the renewed " +
                        $"certificates: {string.Join(", ", owners.Select(c => c.Name))}");
                restarter.RestartAsync(owners).GetAwaiter().GetResult();
            }
            else if (name == "all" && !dryRun)
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
