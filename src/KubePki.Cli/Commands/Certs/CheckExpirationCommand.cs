using System.CommandLine;
using KubePki.Cli.Rendering;
using KubePki.Cluster;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs check-expiration</c>: kubeadm's two tables (or -o json|yaml), plus kubelet certs on
/// request and an exit code for monitoring.</summary>
public static class CheckExpirationCommand
{
    public const int ExpiringExitCode = ExpirationVerdict.ExpiringExitCode;

    public static Command Create(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var output = OutputOption.Create("--experimental-output");
        var includeKubelet = new Option<bool>("--include-kubelet")
        {
            Description =
                "Also list the kubelet's client certificate (kubelet-client-current.pem) and serving certificate "
                + "(kubelet-server-current.pem or kubelet.crt).",
        };
        var kubeletDir = new Option<string>("--kubelet-dir")
        {
            Description = "Where the kubelet keeps its certificates.",
            DefaultValueFactory = _ => "/var/lib/kubelet/pki",
        };
        var failWithin = new Option<string?>("--fail-within")
        {
            Description =
                "Exit with code 2, naming them on stderr, when any listed certificate or CA expires within this "
                + "duration (e.g. 720h).",
        };
        var command = new Command(
            "check-expiration",
            "Checks expiration for the certificates in the local PKI managed by kubeadm."
        );
        foreach (
            var option in new Option[]
            {
                options.CertDir,
                options.Config,
                options.KubeconfigDir,
                output,
                includeKubelet,
                kubeletDir,
                failWithin,
                options.Kubeconfig,
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
                    TimeSpan? window = result.GetValue(failWithin) is { } text
                        ? DurationFlag.Read(text, "--fail-within")
                        : null;
                    var format = OutputOption.Read(result, output);
                    // As kubeadm's printers: the preamble only in text output, so that json and yaml stay parseable.
                    var config = ClusterConfigSource.Resolve(
                        options.Read(result),
                        result.GetValue(options.Kubeconfig)!,
                        "check-expiration",
                        format == "text" ? env.Out : TextWriter.Null,
                        TextWriter.Null,
                        reportAddress: false
                    );
                    var now = env.Time.GetUtcNow();
                    var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
                    var info = ExpirationReport.Build(
                        config,
                        pki,
                        now,
                        result.GetValue(includeKubelet) ? result.GetValue(kubeletDir) : null
                    );
                    env.Out.Write(
                        format switch
                        {
                            "json" => ExpirationPrinter.Json(info),
                            "yaml" => ExpirationPrinter.Yaml(info),
                            _ => ExpirationPrinter.Text(info),
                        }
                    );
                    var verdict = ExpirationVerdict.Of(info, config, window);
                    foreach (var line in verdict.Lines)
                    {
                        env.Error.WriteLine(line);
                    }
                    return verdict.ExitCode;
                }
            )
        );
        return command;
    }
}
