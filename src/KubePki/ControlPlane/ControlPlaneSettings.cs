using KubePki.GoText;

namespace KubePki.ControlPlane;

/// <summary>Where the static pods live and how long to wait for them. The journal, the holding area for moved-out
/// manifests and the manifest backups live under <c>&lt;kubeconfig-dir&gt;/tmp/</c>, as kubeadm's upgrade backups
/// do.</summary>
internal sealed record ControlPlaneSettings(
    string ManifestsDir,
    string KubeconfigDir,
    TimeSpan Timeout,
    TimeSpan FileCheckFrequency,
    bool DryRun = false
)
{
    public const string DefaultManifestsDir = "/etc/kubernetes/manifests";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public string TmpDir => Path.Combine(KubeconfigDir, "tmp");

    public string HoldingDir => Path.Combine(TmpDir, "kubepki-held-manifests");

    public string ManifestPath(ControlPlaneComponent component) =>
        Path.Combine(ManifestsDir, component.ManifestFileName);

    /// <summary>How often a wait looks again: a quarter of the kubelet's fileCheckFrequency, between 0.1 s and 1
    /// s.</summary>
    public TimeSpan PollInterval =>
        TimeSpan.FromTicks(
            Math.Clamp(FileCheckFrequency.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond)
        );

    public string TimeoutText => GoDuration.Format(Timeout);
}
