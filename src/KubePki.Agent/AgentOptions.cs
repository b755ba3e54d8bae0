using KubePki.Configuration;
using KubePki.ControlPlane;

namespace KubePki.Agent;

/// <summary>How one node's agent runs (the flags of <c>kubepki agent</c>).</summary>
internal sealed record AgentOptions
{
    public static readonly TimeSpan DefaultRenewBefore = TimeSpan.FromHours(720);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(60);

    public required string NodeName { get; init; }

    /// <summary>--config, --cert-dir, --kubeconfig-dir: override the cluster's kubeadm-config.</summary>
    public required ConfigOverrides Config { get; init; }

    /// <summary>Where the static pods are and how long each restart may take (--restart-timeout).</summary>
    public required ControlPlaneSettings ControlPlane { get; init; }

    public TimeSpan RenewBefore { get; init; } = DefaultRenewBefore;

    public TimeSpan Interval { get; init; } = DefaultInterval;

    public string LeaseNamespace { get; init; } = "kube-system";

    public string LeaseName { get; init; } = "kubepki-agent";

    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;

    public MaintenanceWindow Window { get; init; } = MaintenanceWindow.Always;
}
