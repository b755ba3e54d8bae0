using System.CommandLine;
using System.Reflection;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Exporter;
using KubePki.GoText;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Cli.Commands.Exporter;

/// <summary><c>kubepki exporter</c>: certificate expiry metrics for Prometheus, a drop-in for
/// x509-certificate-exporter (its v3 command line: same flags, short forms and meaning) plus one series per kubeadm
/// certificate.</summary>
public static class ExporterCommand
{
    public static Command Create(CliEnvironment env)
    {
        var flags = new ExporterFlags();
        var command = new Command(
            "exporter",
            "Serve certificate expiry metrics for Prometheus "
                + "(x509-certificate-exporter's metrics and flags, plus kubepki_cert_not_after)."
        );
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        if (result.GetValue(flags.Version))
                        {
                            // Upstream prints its version on stderr and exits 0.
                            env.Error.WriteLine($"version {Informational().Version}");
                            return 0;
                        }
                        var parsed = flags.Read(result);
                        var client = parsed.Secrets is null ? null : KubeClientFactory.Create(parsed.Kubeconfig);
                        var exporter = new CertificateExporter(
                            parsed.Sources.Create(new FileContentCache(), parsed.Secrets),
                            parsed.Options with
                            {
                                Build = Informational(),
                            },
                            env.Time
                        );
                        using var loggers = LoggerFactory.Create(b =>
                            b.AddSimpleConsole(o => o.SingleLine = true)
                                .SetMinimumLevel(parsed.Debug ? LogLevel.Debug : LogLevel.Information)
                        );
                        await new ExporterHost(
                            parsed.ListenAddress,
                            exporter,
                            parsed.Secrets,
                            client,
                            loggers,
                            env.Time,
                            parsed.ListenFlag,
                            parsed.WebConfig?.Security()
                        ).RunAsync(
                            () =>
                                env.Out.WriteLine(
                                    $"[exporter] serving /metrics and /healthz on {parsed.ListenAddress}"
                                        + (parsed.WebConfig?.Tls is null ? "" : " over TLS")
                                ),
                            cancellationToken
                        );
                        env.Out.WriteLine("[exporter] stopped");
                        return 0;
                    }
                )
        );
        return command;
    }

    private static BuildInfo Informational() =>
        BuildInfo.FromInformationalVersion(
            typeof(ExporterCommand)
                .Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
                ?.InformationalVersion
        );
}

/// <summary>What the exporter's flags ask for, checked.</summary>
internal sealed record ExporterArguments(
    string ListenAddress,
    string ListenFlag,
    ExporterSources Sources,
    ExporterOptions Options,
    SecretCertificates? Secrets,
    string? Kubeconfig,
    bool Debug,
    WebConfig? WebConfig = null
);

/// <summary>x509-certificate-exporter v3's flags (cmd/x509-certificate-exporter/main.go), same long and short names,
/// beside kubepki's own (--cert-dir, --kubeconfig-dir, --include-kubelet, --kubelet-dir, --secrets, --namespace,
/// --listen).</summary>
internal sealed class ExporterFlags
{
    public Option<string> Listen { get; } =
        new("--listen-address", "-b", "--listen")
        {
            Description = "host:port to serve /metrics and /healthz on.",
            DefaultValueFactory = _ => ":9793",
        };

    public Option<string?> CertDir { get; } =
        new("--cert-dir")
        {
            Description = "kubeadm's certificate dir (default /etc/kubernetes/pki when no other source is given).",
        };

    public Option<string?> KubeconfigDir { get; } =
        new("--kubeconfig-dir")
        {
            Description = "kubeadm's kubeconfig dir (default /etc/kubernetes when no other source is given).",
        };

    public Option<bool> IncludeKubelet { get; } =
        new("--include-kubelet") { Description = "Also watch the kubelet's client and serving certificates." };

    public Option<string> KubeletDir { get; } =
        new("--kubelet-dir")
        {
            Description = "Where the kubelet keeps its certificates.",
            DefaultValueFactory = _ => "/var/lib/kubelet/pki",
        };

    public Option<string[]> WatchFile { get; } =
        new("--watch-file", "-f")
        {
            Description = "A PEM file or Go glob of files to watch (repeatable); every certificate is a series.",
        };

    public Option<string[]> WatchDir { get; } =
        new("--watch-dir", "-d")
        {
            Description =
                "A directory or Go glob of directories whose files to watch (repeatable, not recursive); "
                + "a file without a certificate is a read error.",
        };

    public Option<string[]> WatchKubeconf { get; } =
        new("--watch-kubeconf", "-k")
        {
            Description = "A kubeconfig or Go glob of kubeconfigs whose embedded or referenced certificates to watch.",
        };

    public Option<bool> WatchKubeSecrets { get; } =
        new("--watch-kube-secrets") { Description = "List and watch the Secrets --secret-type selects." };

    public Option<bool> Secrets { get; } =
        new("--secrets")
        {
            Description =
                "Like --watch-kube-secrets; without --secret-type, Secrets of type kubernetes.io/tls and Opaque, "
                + "keys ending in .crt or .pem.",
        };

    public Option<string?> Kubeconfig { get; } =
        new("--kubeconfig")
        {
            Description = "With Secrets: a kubeconfig (default $KUBECONFIG, then ~/.kube/config, then in-cluster).",
        };

    public Option<string[]> SecretType { get; } =
        new("--secret-type", "-s")
        {
            Description =
                "TYPE:KEY_REGEX, a Secret type and the keys to read (repeatable), e.g. kubernetes.io/tls:tls.crt.",
        };

    public Option<string[]> IncludeNamespace { get; } =
        new("--include-namespace", "--namespace")
        {
            Description = "Only Secrets of this namespace (repeatable; default all).",
        };

    public Option<string[]> ExcludeNamespace { get; } =
        new("--exclude-namespace") { Description = "Not the Secrets of this namespace (repeatable)." };

    public Option<string[]> IncludeNamespaceLabel { get; } =
        new("--include-namespace-label")
        {
            Description = "Only namespaces with this label (key or key=value; repeatable).",
        };

    public Option<string[]> ExcludeNamespaceLabel { get; } =
        new("--exclude-namespace-label")
        {
            Description = "Not the namespaces with this label (key or key=value; repeatable).",
        };

    public Option<string[]> IncludeLabel { get; } =
        new("--include-label") { Description = "Only Secrets with this label (key or key=value; repeatable)." };

    public Option<string[]> ExcludeLabel { get; } =
        new("--exclude-label") { Description = "Not the Secrets with this label (key or key=value; repeatable)." };

    public Option<int> TrimPathComponents { get; } =
        new("--trim-path-components")
        {
            Description = "Remove this many leading elements from the filepath label (a leading / is kept).",
        };

    public Option<bool> Relative { get; } =
        new("--expose-relative-metrics")
        {
            Description = "Also expose x509_cert_expires_in_seconds and x509_cert_valid_since_seconds.",
        };

    public Option<bool> PerCertErrors { get; } =
        new("--expose-per-cert-error-metrics")
        {
            Description = "Also expose x509_cert_error, 0 or 1 per file or Secret key.",
        };

    public Option<string?> ExposeLabels { get; } =
        new("--expose-labels", "-l")
        {
            Description = "Comma-separated labels the certificate series keep (default all).",
        };

    public Option<string?> MaxCacheDuration { get; } =
        new("--max-cache-duration")
        {
            Description =
                "Upstream's Secret cache bound (a Go duration); kubepki watches Secrets, so they are never older.",
        };

    public Option<int> RateLimitQps { get; } =
        new("--kube-api-rate-limit-qps")
        {
            Description = "Kubernetes API requests per second (with --kube-api-rate-limit-burst).",
        };

    public Option<int> RateLimitBurst { get; } =
        new("--kube-api-rate-limit-burst") { Description = "Kubernetes API request burst." };

    public Option<string?> WebConfigFile { get; } =
        new("--web.config.file")
        {
            Description =
                "exporter-toolkit's web config file: TLS (tls_server_config), basic auth (basic_auth_users, bcrypt) "
                + "and response headers (http_server_config.headers).",
        };

    public Option<bool> SkipSymlinks { get; } =
        new("--skip-symlinks")
        {
            Description = "Leave out symbolic links found by --watch-file, --watch-dir and --watch-kubeconf.",
        };

    public Option<bool> Debug { get; } = new("--debug") { Description = "Log at debug level." };

    public Option<bool> Version { get; } = new("--version", "-v") { Description = "Show the version and exit." };

    public IEnumerable<Option> All =>
        [
            Listen,
            CertDir,
            KubeconfigDir,
            IncludeKubelet,
            KubeletDir,
            WatchFile,
            WatchDir,
            WatchKubeconf,
            WatchKubeSecrets,
            Secrets,
            Kubeconfig,
            SecretType,
            IncludeNamespace,
            ExcludeNamespace,
            IncludeNamespaceLabel,
            ExcludeNamespaceLabel,
            IncludeLabel,
            ExcludeLabel,
            TrimPathComponents,
            Relative,
            PerCertErrors,
            ExposeLabels,
            MaxCacheDuration,
            RateLimitQps,
            RateLimitBurst,
            WebConfigFile,
            SkipSymlinks,
            Debug,
            Version,
        ];

    /// <summary>The checked arguments; throws <see cref="KubePkiException"/> naming the first bad flag.</summary>
    public ExporterArguments Read(ParseResult result)
    {
        var webConfig = result.GetValue(WebConfigFile) is { } webConfigFile ? WebConfig.Load(webConfigFile) : null;
        var trim = result.GetValue(TrimPathComponents);
        if (trim < 0)
        {
            throw new KubePkiException($"--trim-path-components: {trim} is negative");
        }
        foreach (var option in new[] { RateLimitQps, RateLimitBurst })
        {
            if (result.GetValue(option) < 0)
            {
                throw new KubePkiException($"{option.Name}: {result.GetValue(option)} is negative");
            }
        }
        if (result.GetValue(MaxCacheDuration) is { } cache)
        {
            _ = GoDuration.Parse(cache, "--max-cache-duration");
        }
        var files = Patterns(result, WatchFile);
        var dirs = Patterns(result, WatchDir);
        var kubeconfs = Patterns(result, WatchKubeconf);
        var secrets = ReadSecrets(result);
        var sources = new ExporterSources
        {
            CertDir = result.GetValue(CertDir),
            KubeconfigDir = result.GetValue(KubeconfigDir),
            KubeletDir = result.GetValue(IncludeKubelet) ? result.GetValue(KubeletDir) : null,
            WatchFiles = files,
            WatchDirs = dirs,
            WatchKubeconfigs = kubeconfs,
            SkipSymlinks = result.GetValue(SkipSymlinks),
            Secrets = secrets is not null,
        };
        var options = new ExporterOptions
        {
            ExposeRelativeMetrics = result.GetValue(Relative),
            ExposePerCertErrorMetrics = result.GetValue(PerCertErrors),
            TrimPathComponents = trim,
            ExposeLabels = result.GetValue(ExposeLabels)?.Split(','),
        };
        var listen = result.GetResult(Listen)?.IdentifierToken?.Value ?? Listen.Name;
        return new ExporterArguments(
            result.GetValue(Listen)!,
            listen,
            sources,
            options,
            secrets,
            result.GetValue(Kubeconfig) ?? DefaultKubeconfig(),
            result.GetValue(Debug),
            webConfig
        );
    }

    private SecretCertificates? ReadSecrets(ParseResult result)
    {
        var kubepki = result.GetValue(Secrets);
        var upstream = result.GetValue(WatchKubeSecrets);
        Option[] secretOnly =
        [
            Kubeconfig,
            SecretType,
            IncludeNamespace,
            ExcludeNamespace,
            IncludeNamespaceLabel,
            ExcludeNamespaceLabel,
            IncludeLabel,
            ExcludeLabel,
        ];
        if (!kubepki && !upstream)
        {
            if (secretOnly.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } given)
            {
                var name = result.GetResult(given)!.IdentifierToken?.Value ?? given.Name;
                throw new KubePkiException($"{name} applies to --watch-kube-secrets, which is not given");
            }
            return null;
        }
        var types = (result.GetValue(SecretType) ?? []).Select(SecretTypePattern.Parse).ToList();
        var filter = new SecretFilter
        {
            // Upstream reads no key without --secret-type; kubepki's --secrets has its own default.
            Types = types.Count > 0 || !kubepki ? types : SecretFilter.KubepkiTypes,
            IncludeNamespaces = result.GetValue(IncludeNamespace) ?? [],
            ExcludeNamespaces = result.GetValue(ExcludeNamespace) ?? [],
            IncludeNamespaceLabels = result.GetValue(IncludeNamespaceLabel) ?? [],
            ExcludeNamespaceLabels = result.GetValue(ExcludeNamespaceLabel) ?? [],
            IncludeLabels = result.GetValue(IncludeLabel) ?? [],
            ExcludeLabels = result.GetValue(ExcludeLabel) ?? [],
        };
        return new SecretCertificates(filter);
    }

    private static IReadOnlyList<string> Patterns(ParseResult result, Option<string[]> option)
    {
        var patterns = result.GetValue(option) ?? [];
        foreach (var pattern in patterns)
        {
            GoGlob.Validate(pattern, option.Name);
        }
        return patterns;
    }

    /// <summary>Upstream's order after --kubeconfig: $KUBECONFIG, then ~/.kube/config if it exists, else null (the
    /// in-cluster service account).</summary>
    private static string? DefaultKubeconfig()
    {
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        var path = Path.Combine(home, ".kube", "config");
        return home.Length > 0 && File.Exists(path) ? path : null;
    }
}
