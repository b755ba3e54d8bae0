namespace KubePki.Configuration;

/// <summary>Command-line flags that override the config file; null = not given. Each is checked as kubeadm checks the
/// flag (an IP address, a DNS-1123 name, a CIDR...).</summary>
public sealed record ConfigOverrides
{
    /// <summary>A kubeadm config file (<c>--config</c>; <c>kubeadm.k8s.io/v1beta3</c> or <c>v1beta4</c>).</summary>
    public string? ConfigPath { get; init; }

    /// <summary><c>--cert-dir</c>.</summary>
    public string? CertificatesDir { get; init; }

    /// <summary><c>--kubeconfig-dir</c>.</summary>
    public string? KubeconfigDir { get; init; }

    /// <summary><c>--apiserver-advertise-address</c>; when neither it nor the config sets one, the address of the
    /// default-route interface.</summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary><c>--apiserver-bind-port</c>.</summary>
    public int? BindPort { get; init; }

    /// <summary><c>--control-plane-endpoint</c>.</summary>
    public string? ControlPlaneEndpoint { get; init; }

    /// <summary><c>--apiserver-cert-extra-sans</c>; when not empty, replaces the config file's
    /// <c>apiServer.certSANs</c>.</summary>
    public IReadOnlyList<string>? ApiServerCertSans { get; init; }

    /// <summary><c>--service-cidr</c>.</summary>
    public string? ServiceSubnet { get; init; }

    /// <summary><c>--service-dns-domain</c>.</summary>
    public string? DnsDomain { get; init; }

    /// <summary><c>--node-name</c>; when neither it nor the config sets one, the host name.</summary>
    public string? NodeName { get; init; }

    /// <summary>Accepted as kubeadm's phases accept it; certificates and kubeconfigs do not depend on it.</summary>
    public string? KubernetesVersion { get; init; }
}
