using KubePki.Configuration;

namespace KubePki.Catalog;

/// <summary>One kubeconfig kubeadm writes: its file, client identity and which API endpoint it points to.</summary>
internal sealed record KubeconfigDefinition
{
    /// <summary>Phase name, e.g. <c>controller-manager</c>.</summary>
    public required string Name { get; init; }

    public required string FileName { get; init; }

    public required string LongName { get; init; }

    public required Func<ClusterConfig, string> ClientNameOf { get; init; }

    public IReadOnlyList<string> Organizations { get; init; } = [];

    /// <summary>controller-manager and scheduler talk to the local API server, not the control-plane
    /// endpoint.</summary>
    public bool UsesLocalEndpoint { get; init; }

    /// <summary>The components that load these files only at start-up, so must restart after a renewal. Clients that
    /// read them per use (kubectl with admin.conf, etcd's HTTP liveness probe) need none.</summary>
    public IReadOnlyList<string> RestartAfterRenewal { get; init; } = [];

    /// <summary>kubeadm leaves kubelet.conf to the kubelet's own rotation: it is never renewed nor listed by
    /// check-expiration.</summary>
    public bool Renewable { get; init; } = true;
}
