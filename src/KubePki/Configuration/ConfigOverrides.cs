namespace KubePki.Configuration;

/// <summary>Command-line flags that override the config file; null = not given.</summary>
public sealed record ConfigOverrides
{
    public string? ConfigPath { get; init; }
    public string? CertificatesDir { get; init; }
    public string? KubeconfigDir { get; init; }
    public string? AdvertiseAddress { get; init; }
    public int? BindPort { get; init; }
    public string? ControlPlaneEndpoint { get; init; }
    public IReadOnlyList<string>? ApiServerCertSans { get; init; }
    public string? ServiceSubnet { get; init; }
    public string? DnsDomain { get; init; }
    public string? NodeName { get; init; }

    /// <summary>Accepted as kubeadm's phases accept it; certificates and kubeconfigs do not depend on it.</summary>
    public string? KubernetesVersion { get; init; }
}
