using System.CommandLine;
using KubePki.Cli.Rendering;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs check-expiration</c>: kubeadm's two tables (or -o json|yaml), plus kubelet certs on
/// request and an exit code for monitoring.</summary>
public static class CheckExpirationCommand
{
    public const int ExpiringExitCode = 2;

    public static Command Create(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var output = new Option<string>("--output", "-o", "--experimental-output")
        {
            Description = "Output format. One of: text|json|yaml.",
            DefaultValueFactory = _ => "text",
        };
        output.AcceptOnlyFromAmong("text", "json", "yaml");
        var includeKubelet = new Option<bool>("--include-kubelet") { Description = "Also list the kubelet's client certificate (kubelet-client-current.pem) and serving certificate (kubelet-server-current.pem or kubelet.crt)." };
        var kubeletDir = new Option<string>("--kubelet-dir") { Description = "Where the kubelet keeps its certificates.", DefaultValueFactory = _ => "/var/lib/kubelet/pki" };
        var failWithin = new Option<string?>("--fail-within") { Description = "Exit with code 2, naming them on stderr, when any listed certificate or CA expires within this duration (e.g. 720h)." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Accepted for kubeadm compatibility; the configuration comes from --config or the defaults." };
        var command = new Command("check-expiration", "Checks expiration for the certificates in the local PKI managed by kubeadm.");
        foreach (var option in new Option[] { options.CertDir, options.Config, options.KubeconfigDir, output, includeKubelet, kubeletDir, failWithin, kubeconfig })
        {
            command.Options.Add(option);
        }
        command.SetAction(result => CommandGuard.Run(env, () =>
        {
            TimeSpan? window = null;
            if (result.GetValue(failWithin) is { } text)
            {
                window = GoDuration.TryParse(text, out var parsed) && parsed >= TimeSpan.Zero
                    ? parsed
                    : throw new KubePkiException($"--fail-within: \"{text}\" is not a valid duration (e.g. 720h)");
            }
            var config = ClusterConfigResolver.Resolve(options.Read(result), TextWriter.Null);
            var now = env.Time.GetUtcNow();
            var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
            var info = ExpirationReport.Build(config, pki, now, result.GetValue(includeKubelet) ? result.GetValue(kubeletDir) : null);
            env.Out.Write(result.GetValue(output) switch
            {
                "json" => ExpirationPrinter.Json(info),
                "yaml" => ExpirationPrinter.Yaml(info),
                _ => ExpirationPrinter.Text(info),
            });
            if (window is { } limit)
            {
                var expiring = info.All.Where(e => !e.Missing && e.ResidualTimeSeconds <= limit.TotalSeconds).ToList();
                if (expiring.Count > 0)
                {
                    env.Error.WriteLine($"expiring within {GoDuration.Format(limit)}: {string.Join(", ", expiring.Select(e => e.Name))}");
                    return ExpiringExitCode;
                }
            }
            return 0;
        }));
        return command;
    }
}
