using KubePki.Model;

namespace KubePki.Configuration;

/// <summary>The settings of kubeadm's InitConfiguration + ClusterConfiguration that certificates and kubeconfigs
/// depend on, after defaults and flag overrides. Usually made by <see cref="ClusterConfigResolver.Resolve"/>; a
/// <c>new ClusterConfig { ... }</c> holds kubeadm's defaults for whatever is not set.</summary>
public sealed record ClusterConfig
{
    /// <summary>kubeadm's default <c>certificatesDir</c>.</summary>
    public const string DefaultCertificatesDir = "/etc/kubernetes/pki";

    /// <summary>kubeadm's kubeconfig directory, where <c>admin.conf</c> and the other kubeconfigs live.</summary>
    public const string DefaultKubeconfigDir = "/etc/kubernetes";

    /// <summary>The cert dir (<c>certificatesDir</c>, <c>--cert-dir</c>).</summary>
    public string CertificatesDir { get; init; } = DefaultCertificatesDir;

    /// <summary>Where the kubeconfig files are read and written (<c>--kubeconfig-dir</c>).</summary>
    public string KubeconfigDir { get; init; } = DefaultKubeconfigDir;

    /// <summary><c>clusterName</c>: the cluster and context names inside the kubeconfigs.</summary>
    public string ClusterName { get; init; } = "kubernetes";

    /// <summary><c>controlPlaneEndpoint</c> (host or host:port); empty when not set, and the kubeconfigs then use the
    /// advertise address and bind port.</summary>
    public string ControlPlaneEndpoint { get; init; } = "";

    /// <summary><c>networking.serviceSubnet</c>: its first address is a SAN of the API server certificate. May hold
    /// two comma-separated subnets (dual stack).</summary>
    public string ServiceSubnet { get; init; } = "10.96.0.0/12";

    /// <summary><c>networking.podSubnet</c>: the pod network (one or two comma-separated CIDRs); empty when not
    /// set.</summary>
    public string PodSubnet { get; init; } = "";

    /// <summary><c>networking.dnsDomain</c>: the API server certificate gets
    /// <c>kubernetes.default.svc.&lt;domain&gt;</c>.</summary>
    public string DnsDomain { get; init; } = "cluster.local";

    /// <summary><c>apiServer.certSANs</c>: extra DNS names and IP addresses of the API server certificate.</summary>
    public IReadOnlyList<string> ApiServerCertSans { get; init; } = [];

    /// <summary><c>etcd.local.serverCertSANs</c>: extra SANs of the etcd server certificate.</summary>
    public IReadOnlyList<string> EtcdServerCertSans { get; init; } = [];

    /// <summary><c>etcd.local.peerCertSANs</c>: extra SANs of the etcd peer certificate.</summary>
    public IReadOnlyList<string> EtcdPeerCertSans { get; init; } = [];

    /// <summary>True with <c>etcd.external</c>: the etcd CA and etcd's own certificates are not kubeadm's to
    /// make.</summary>
    public bool ExternalEtcd { get; init; }

    /// <summary><c>encryptionAlgorithm</c> (v1beta4): the type of every new key.</summary>
    public KeyAlgorithm KeyAlgorithm { get; init; } = KeyAlgorithm.Rsa2048;

    /// <summary><c>certificateValidityPeriod</c> (v1beta4): how long a leaf certificate is valid.</summary>
    public TimeSpan CertificateValidity { get; init; } = TimeSpan.FromHours(8760);

    /// <summary><c>caCertificateValidityPeriod</c> (v1beta4): how long a new CA certificate is valid.</summary>
    public TimeSpan CaCertificateValidity { get; init; } = TimeSpan.FromHours(87600);

    /// <summary><c>nodeRegistration.name</c>: a SAN of the API server and etcd certificates and part of the kubelet's
    /// kubeconfig identity.</summary>
    public string NodeName { get; init; } = "";

    /// <summary><c>localAPIEndpoint.advertiseAddress</c>: an IP SAN of the API server and etcd certificates.</summary>
    public string AdvertiseAddress { get; init; } = "";

    /// <summary><c>localAPIEndpoint.bindPort</c>: the API server's port in kubeconfigs without a control-plane
    /// endpoint.</summary>
    public int BindPort { get; init; } = 6443;

    /// <summary>Where the kubeadm configuration was read from (a --config file or the cluster's ConfigMap); null when
    /// only defaults and flags apply.</summary>
    public string? Source { get; init; }
}
