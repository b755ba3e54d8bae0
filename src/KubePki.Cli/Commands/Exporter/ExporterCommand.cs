using System.CommandLine;
using System.Reflection;
using k8s;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Exporter;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Cli.Commands.Exporter;

/// <summary><c>kubepki exporter</c>: certificate expiry metrics for Prometheus, a drop-in for
/// x509-certificate-exporter's file, kubeconfig and Secret sources plus one series per kubeadm certificate.</summary>
public static class ExporterCommand
{
    public static Command Create(CliEnvironment env)
    {
        var listen = new Option<string>("--listen")
        {
            Description = "host:port to serve /metrics and /healthz on.",
            DefaultValueFactory = _ => ":9793",
        };
        var certDir = new Option<string?>("--cert-dir")
        {
            Description = "kubeadm's certificate dir (default /etc/kubernetes/pki when no other file source is given).",
        };
        var kubeconfigDir = new Option<string?>("--kubeconfig-dir")
        {
            Description = "kubeadm's kubeconfig dir (default /etc/kubernetes when no other file source is given).",
        };
        var includeKubelet = new Option<bool>("--include-kubelet")
        {
            Description = "Also watch the kubelet's client and serving certificates.",
        };
        var kubeletDir = new Option<string>("--kubelet-dir")
        {
            Description = "Where the kubelet keeps its certificates.",
            DefaultValueFactory = _ => "/var/lib/kubelet/pki",
        };
        var watchFile = new Option<string[]>("--watch-file")
        {
            Description = "A PEM file to watch (repeatable); every certificate in it is a series.",
        };
        var watchDir = new Option<string[]>("--watch-dir")
        {
            Description =
                "A directory whose files to watch (repeatable, not recursive); files holding only keys "
                + "or CSRs are skipped.",
        };
        var secrets = new Option<bool>("--secrets")
        {
            Description = "List and watch Secrets of type kubernetes.io/tls and Opaque; keys ending in .crt or .pem.",
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "With --secrets: a kubeconfig (default: the in-cluster service account).",
        };
        var ns = new Option<string[]>("--namespace")
        {
            Description = "With --secrets: only this namespace (repeatable; default all).",
        };
        var relative = new Option<bool>("--expose-relative-metrics")
        {
            Description = "Also expose x509_cert_expires_in_seconds and x509_cert_valid_since_seconds.",
        };
        var command = new Command(
            "exporter",
            "Serve certificate expiry metrics for Prometheus "
                + "(x509-certificate-exporter's metrics plus kubepki_cert_not_after)."
        );
        Option[] options =
        [
            listen,
            certDir,
            kubeconfigDir,
            includeKubelet,
            kubeletDir,
            watchFile,
            watchDir,
            secrets,
            kubeconfig,
            ns,
            relative,
        ];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        var watchSecrets = result.GetValue(secrets);
                        var namespaces = result.GetValue(ns) ?? [];
                        IKubernetes? client = null;
                        if (!watchSecrets && (namespaces.Length > 0 || result.GetValue(kubeconfig) is not null))
                        {
                            throw new KubePkiException(
                                "--namespace and --kubeconfig apply to --secrets, which is not given"
                            );
                        }
                        if (watchSecrets)
                        {
                            client = KubeClientFactory.Create(result.GetValue(kubeconfig));
                        }
                        var sources = new ExporterSources
                        {
                            CertDir = result.GetValue(certDir),
                            KubeconfigDir = result.GetValue(kubeconfigDir),
                            KubeletDir = result.GetValue(includeKubelet) ? result.GetValue(kubeletDir) : null,
                            WatchFiles = result.GetValue(watchFile) ?? [],
                            WatchDirs = result.GetValue(watchDir) ?? [],
                            Secrets = watchSecrets,
                        };
                        var secretCertificates = watchSecrets ? new SecretCertificates() : null;
                        var assembly = typeof(ExporterCommand).Assembly;
                        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>();
                        var settings = new ExporterOptions
                        {
                            ExposeRelativeMetrics = result.GetValue(relative),
                            Build = BuildInfo.FromInformationalVersion(version?.InformationalVersion),
                        };
                        var exporter = new CertificateExporter(
                            sources.Create(new FileContentCache(), secretCertificates),
                            settings,
                            env.Time
                        );
                        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
                        var address = result.GetValue(listen)!;
                        await new ExporterHost(
                            address,
                            exporter,
                            secretCertificates,
                            client,
                            namespaces,
                            loggers,
                            env.Time
                        ).RunAsync(
                            () => env.Out.WriteLine($"[exporter] serving /metrics and /healthz on {address}"),
                            cancellationToken
                        );
                        env.Out.WriteLine("[exporter] stopped");
                        return 0;
                    }
                )
        );
        return command;
    }
}
