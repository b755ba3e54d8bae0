using KubePki.Model;

namespace KubePki.Configuration;

/// <summary>The settings of kubeadm's InitConfiguration + ClusterConfiguration that certificates and kubeconfigs
/// depend on, after defaults and flag overrides.</summary>
public sealed record ClusterConfig
{
    public const string DefaultCertificatesDir = "/etc/kubernetes/pki";
    public const string DefaultKubeconfigDir = "/etc/kubernetes";

    public string CertificatesDir { get; init; } = DefaultCertificatesDir;
    public string KubeconfigDir { get; init; } = DefaultKubeconfigDir;
    public string ClusterName { get; init; } = "kubernetes";
    public string ControlPlaneEndpoint { get; init; } = "";
    public string ServiceSubnet { get; init; } = "10.96.0.0/12";
    public string DnsDomain { get; init; } = "cluster.local";
    public IReadOnlyList<string> ApiServerCertSans { get; init; } = [];
    public IReadOnlyList<string> EtcdServerCertSans { get; init; } = [];
    public IReadOnlyList<string> EtcdPeerCertSans { get; init; } = [];
    public bool ExternalEtcd { get; init; }
    public KeyAlgorithm KeyAlgorithm { get; init; } = KeyAlgorithm.Rsa2048;
    public TimeSpan CertificateValidity { get; init; } = TimeSpan.FromHours(8760);
    public TimeSpan CaCertificateValidity { get; init; } = TimeSpan.FromHours(87600);
    public string NodeName { get; init; } = "";
    public string AdvertiseAddress { get; init; } = "";
    public int BindPort { get; init; } = 6443;

    /// <summary>Where the kubeadm configuration was read from (a --config file or the cluster's ConfigMap); null when
    /// only defaults and flags apply.</summary>
    public string? Source { get; init; }
}
