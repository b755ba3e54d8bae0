using System.CommandLine;
using KubePki.ControlPlane;

namespace KubePki.Cli.Commands.ControlPlane;

/// <summary>The flags every command that restarts static pods shares, read into <see
/// cref="ControlPlaneSettings"/>.</summary>
public sealed class ControlPlaneOptions
{
    public Option<string?> ManifestsDir { get; } =
        new("--manifests-dir")
        {
            Description =
                "The static pod manifests "
                + "directory (default: staticPodPath from the kubelet config, else \"/etc/kubernetes/manifests\").",
        };

    public Option<string?> KubeletConfig { get; } =
        new("--kubelet-config")
        {
            Description =
                $"The kubelet's config "
                + $"file; its fileCheckFrequency paces the waits and its staticPodPath is the default --manifests-dir. "
                + $"(default \"{KubeletSettings.DefaultPath}\")",
        };

    public Option<string> Timeout { get; } =
        new("--timeout")
        {
            Description = "How long to wait for each component " + "to stop and become healthy again.",
            DefaultValueFactory = _ => "5m0s",
        };

    public Option<string> LockTimeout { get; } = LockTimeoutOption.Create();

    public IEnumerable<Option> All => [ManifestsDir, KubeletConfig, Timeout, LockTimeout];

    internal ControlPlaneSettings Read(ParseResult result, string kubeconfigDir, bool dryRun) =>
        ReadWithTimeout(result, kubeconfigDir, DurationFlag.ReadPositive(result.GetValue(Timeout)!, "--timeout")) with
        {
            DryRun = dryRun,
        };

    /// <summary>The settings with a timeout read by the caller (a command whose flag for it has another
    /// name).</summary>
    internal ControlPlaneSettings ReadWithTimeout(ParseResult result, string kubeconfigDir, TimeSpan timeout)
    {
        var kubeletPath = result.GetValue(KubeletConfig);
        var kubelet = KubeletSettings.Load(
            kubeletPath ?? KubeletSettings.DefaultPath,
            explicitlyGiven: kubeletPath is not null
        );
        var manifestsDir =
            result.GetValue(ManifestsDir) ?? kubelet.StaticPodPath ?? ControlPlaneSettings.DefaultManifestsDir;
        return new ControlPlaneSettings(manifestsDir, kubeconfigDir, timeout, kubelet.FileCheckFrequency);
    }

    public TimeSpan ReadLockTimeout(ParseResult result) => LockTimeoutOption.Read(result, LockTimeout);
}
