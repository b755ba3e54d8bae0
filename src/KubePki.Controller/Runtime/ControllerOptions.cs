using KubePki.Controller.Approval;
using KubePki.Controller.Signing;
using KubePki.InCluster;

namespace KubePki.Controller.Runtime;

/// <summary>Everything <c>kubepki controller</c> runs with, parsed and checked by the CLI.</summary>
public sealed record ControllerOptions
{
    /// <summary>The signers to serve and their CAs; empty = no signing.</summary>
    public IReadOnlyDictionary<string, ISigningAuthoritySource> Signers { get; init; } =
        new Dictionary<string, ISigningAuthoritySource>();

    public TimeSpan ClusterSigningDuration { get; init; } = SigningWindow.DefaultClusterSigningDuration;

    public bool ApproveKubeletServing { get; init; }

    public ApproverOptions Approver { get; init; } = ApproverOptions.Default;

    /// <summary>--service-cluster-ip-range; null = from kubeadm-config, else kubeadm's default.</summary>
    public IReadOnlyList<System.Net.IPNetwork>? ServiceNetworks { get; init; }

    /// <summary>--cluster-domain; null = from kubeadm-config, else cluster.local.</summary>
    public string? ClusterDomain { get; init; }

    /// <summary>Whether to read ConfigMap kube-system/kubeadm-config for the service network and DNS domain.</summary>
    public bool ReadKubeadmConfig { get; init; } = true;

    /// <summary>A Node missing from the cache is only a denial once the CSR is this old: a kubelet registers its Node
    /// just before it asks, and the Node watch may not have delivered it yet.</summary>
    public TimeSpan NodeGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    public bool NoDeny { get; init; }

    public int Workers { get; init; } = 5;

    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    public bool LeaderElect { get; init; } = true;

    public string LeaseNamespace { get; init; } = "kube-system";

    public string LeaseName { get; init; } = "kubepki-controller";

    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The leader-election settings above, as the elector takes them.</summary>
    public LeaseOptions Lease => new(LeaseNamespace, LeaseName, Identity, LeaseDuration, RenewDeadline, RetryPeriod);

    /// <summary>host:port for /healthz, /readyz and /metrics; null or "0" disables the endpoint.</summary>
    public string? MetricsBindAddress { get; init; } = ":8080";
}
