
namespace KubePki.Configuration;

/// <summary>Defaults, then the config file, then flags, then host-derived defaults for what is still unset — the order
/// kubeadm applies them. Flag values are validated like file values.</summary>
public static class ClusterConfigResolver
{
    public static ClusterConfig Resolve(ConfigOverrides flags, TextWriter log, Func<string, string>? readFile = null)
    {
        var config = new ClusterConfig();
        if (flags.ConfigPath is { } path)
        {
            string text;
            try
            {
                text = (readFile ?? File.ReadAllText)(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubePkiException($"--config {path}: cannot read: {e.Message}", e);
            }
            var warnings = new List<string>();
            config = KubeadmConfigLoader.Load(text, path, config, warnings);
            warnings.ForEach(log.WriteLine);
        }
        if (flags.AdvertiseAddress is { } address && !NetworkText.TryParseIp(address, out _))
        {
            throw new KubePkiException($"--apiserver-advertise-address: \"{address}\" is not a valid IP address");
        }
        if (flags.BindPort is { } port && port is < 1 or > 65535)
        {
            throw new KubePkiException($"--apiserver-bind-port: {port} is not a valid port (1-65535)");
        }
        if (flags.ServiceSubnet is { } subnet && !NetworkText.IsValidCidrList(subnet))
        {
            throw new KubePkiException($"--service-cidr: \"{subnet}\" is not a valid CIDR");
        }
        if (flags.ControlPlaneEndpoint is { Length: > 0 } endpoint)
        {
            NetworkText.SplitHostPort(endpoint, "--control-plane-endpoint");
        }
        if (flags.DnsDomain is { } domain && !DnsNames.IsSubdomain(domain))
        {
            throw new KubePkiException($"--service-dns-domain: \"{domain}\" is not a valid DNS domain");
        }
        config = config with
        {
            CertificatesDir = flags.CertificatesDir ?? config.CertificatesDir,
            KubeconfigDir = flags.KubeconfigDir ?? config.KubeconfigDir,
            AdvertiseAddress = flags.AdvertiseAddress ?? config.AdvertiseAddress,
            BindPort = flags.BindPort ?? config.BindPort,
            ControlPlaneEndpoint = flags.ControlPlaneEndpoint ?? config.ControlPlaneEndpoint,
            ApiServerCertSans = flags.ApiServerCertSans is { Count: > 0 } sans ? sans : config.ApiServerCertSans,
            ServiceSubnet = flags.ServiceSubnet ?? config.ServiceSubnet,
            DnsDomain = flags.DnsDomain ?? config.DnsDomain,
            NodeName = flags.NodeName ?? config.NodeName,
        };
        if (config.NodeName.Length == 0)
        {
            config = config with { NodeName = HostDefaults.NodeName() };
        }
        if (config.AdvertiseAddress.Length == 0)
        {
            var (detected, origin) = HostDefaults.AdvertiseAddress();
            log.WriteLine($"[config] Using advertise address {detected}: {origin}");
            config = config with { AdvertiseAddress = detected };
        }
        return config;
    }
}
