using KubePki.Configuration;

namespace KubePki.Catalog;

/// <summary>One row of the certificate catalog (kubeadm's KubeadmCert). Per-cert behaviour is a function the row
/// names.</summary>
internal sealed record CertDefinition
{
    /// <summary>kubeadm's phase/renew name, e.g. <c>etcd-server</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Human description used in help and renew messages.</summary>
    public required string LongName { get; init; }

    /// <summary>Path of the files under the cert dir without extension, e.g. <c>etcd/server</c>.</summary>
    public required string BaseName { get; init; }

    /// <summary>The signing CA's catalog name; null for a self-signed CA.</summary>
    public string? CaName { get; init; }

    public bool IsCa => CaName is null;

    public bool IsEtcd { get; init; }

    /// <summary>The CN for a cluster; etcd server and peer use the node name (setCommonNameToNodeName).</summary>
    public Func<ClusterConfig, string> CommonNameOf { get; init; } = _ => "";

    public IReadOnlyList<string> Organizations { get; init; } = [];

    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = [];

    public Func<ClusterConfig, AltNames> AltNamesOf { get; init; } = _ => AltNames.None;

    /// <summary>The components that load these files only at start-up, so must restart after a renewal. Clients that
    /// read them per use (kubectl with admin.conf, etcd's HTTP liveness probe) need none.</summary>
    public IReadOnlyList<string> RestartAfterRenewal { get; init; } = [];

    /// <summary>The spec for one cluster: what the builders turn into a certificate.</summary>
    public CertSpec Resolve(ClusterConfig config)
    {
        var commonName = CommonNameOf(config);
        // kubeadm gives every CA a DNS SAN equal to its CN.
        var altNames = IsCa ? AltNames.Create([commonName], []) : AltNamesOf(config);
        return new CertSpec(this, commonName, Organizations, altNames, ExtendedKeyUsages);
    }
}

/// <summary>A catalog row resolved against a cluster config.</summary>
internal sealed record CertSpec(
    CertDefinition Definition,
    string CommonName,
    IReadOnlyList<string> Organizations,
    AltNames AltNames,
    IReadOnlyList<string> ExtendedKeyUsages
)
{
    public string Name => Definition.Name;
}
