using System.CommandLine;
using KubePki.Configuration;

namespace KubePki.Cli.Commands;

/// <summary>kubeadm's shared config flags. Each command adds the ones kubeadm gives it; unset flags stay null so the
/// config file's values win over built-in defaults.</summary>
public sealed class ClusterOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "Path to a kubeadm configuration file." };

    public Option<string?> CertDir { get; } =
        new("--cert-dir")
        {
            Description = "The path where to save and store the certificates. (default \"/etc/kubernetes/pki\")",
        };

    public Option<string?> KubeconfigDir { get; } =
        new("--kubeconfig-dir")
        {
            Description = "The path where to save the kubeconfig file. (default \"/etc/kubernetes\")",
        };

    public Option<string?> AdvertiseAddress { get; } =
        new("--apiserver-advertise-address")
        {
            Description =
                "The IP address the API Server will advertise it's listening on. If not set the default network "
                + "interface will be used.",
        };

    public Option<int?> BindPort { get; } =
        new("--apiserver-bind-port") { Description = "Port for the API Server to bind to. (default 6443)" };

    public Option<string?> ControlPlaneEndpoint { get; } =
        new("--control-plane-endpoint")
        {
            Description = "Specify a stable IP address or DNS name for the control plane.",
        };

    public Option<string[]> ExtraSans { get; } =
        new("--apiserver-cert-extra-sans")
        {
            Description =
                "Optional extra Subject Alternative Names (SANs) to use for the API Server serving certificate. Can "
                + "be both IP addresses and DNS names.",
            AllowMultipleArgumentsPerToken = false,
        };

    public Option<string?> ServiceCidr { get; } =
        new("--service-cidr")
        {
            Description = "Use alternative range of IP address for service VIPs. (default \"10.96.0.0/12\")",
        };

    public Option<string?> DnsDomain { get; } =
        new("--service-dns-domain")
        {
            Description = "Use alternative domain for services, e.g. \"myorg.internal\". (default \"cluster.local\")",
        };

    public Option<string?> NodeName { get; } = new("--node-name") { Description = "Specify the node name." };

    public Option<string?> KubernetesVersion { get; } =
        new("--kubernetes-version")
        {
            Description =
                "Choose a specific Kubernetes version for the control plane. Certificates and kubeconfig files "
                + "do not depend on it. (default \"stable-1\")",
        };

    public Option<string> Kubeconfig { get; } =
        new("--kubeconfig")
        {
            Description =
                "The kubeconfig file to use when talking to the cluster. Without --config, the cluster's "
                + "configuration is read from the kubeadm-config ConfigMap through it.",
            DefaultValueFactory = _ => KubePki.Cluster.ClusterConfigSource.DefaultKubeconfig,
        };

    public Option<bool> DryRun { get; } =
        new("--dry-run") { Description = "Don't apply any changes; just output what would be done." };

    public ConfigOverrides Read(ParseResult result) =>
        new()
        {
            ConfigPath = result.GetValue(Config),
            CertificatesDir = result.GetValue(CertDir),
            KubeconfigDir = result.GetValue(KubeconfigDir),
            AdvertiseAddress = result.GetValue(AdvertiseAddress),
            BindPort = result.GetValue(BindPort),
            ControlPlaneEndpoint = result.GetValue(ControlPlaneEndpoint),
            ApiServerCertSans = result
                .GetValue(ExtraSans)
                ?.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToList(),
            ServiceSubnet = result.GetValue(ServiceCidr),
            DnsDomain = result.GetValue(DnsDomain),
            NodeName = result.GetValue(NodeName),
            KubernetesVersion = result.GetValue(KubernetesVersion),
        };
}
