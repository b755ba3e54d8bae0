using System.Text;
using KubePki.Files;
using KubePki.GoText;

namespace KubePki.Configuration;

/// <summary>Defaults, then the config file, then flags, then host-derived defaults for what is still unset — the order
/// kubeadm applies them. Flag values are validated like file values.</summary>
public static class ClusterConfigResolver
{
    /// <summary>The cluster configuration as kubeadm would resolve it from <paramref name="flags"/>, the file they name
    /// (or <paramref name="document"/>) and the host. Throws <see cref="KubePkiException"/> for an invalid file or
    /// value.</summary>
    /// <param name="flags">The flag-like overrides, including the config file's path.</param>
    /// <param name="log">Receives kubeadm's warnings (unknown fields, the address it picked).</param>
    /// <param name="readFile">Reads the config file; the disk when null.</param>
    /// <param name="reportAddress">Whether the command uses the advertise address, so that a detected one (or kubeadm's
    /// no-default-route warning) is worth a line in <paramref name="log"/>.</param>
    /// <param name="document">The configuration when it does not come from --config: kubeadm's ConfigMap text and a
    /// name for it in messages. --config wins over it.</param>
    public static ClusterConfig Resolve(
        ConfigOverrides flags,
        TextWriter log,
        Func<string, string>? readFile = null,
        bool reportAddress = true,
        (string Source, string Text)? document = null
    )
    {
        var config = new ClusterConfig();
        var input = flags.ConfigPath is { } path ? (path, (readFile ?? ReadConfigFile)(path)) : document;
        if (input is var (source, text))
        {
            var warnings = new List<string>();
            config = KubeadmConfigLoader.Load(text, source, config, warnings) with { Source = source };
            warnings.ForEach(log.WriteLine);
        }
        if (flags.AdvertiseAddress is { } address && !NetworkText.TryParseIp(address, out _))
        {
            throw new KubePkiException(
                $"--apiserver-advertise-address: \"{address}\" is not a valid IP address",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (flags.BindPort is { } port && port is < 1 or > 65535)
        {
            throw new KubePkiException(
                $"--apiserver-bind-port: {port} is not a valid port (1-65535)",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (flags.ServiceSubnet is { } subnet && !NetworkText.IsValidCidrList(subnet))
        {
            throw new KubePkiException(
                $"--service-cidr: \"{subnet}\" is not a valid CIDR",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (flags.ControlPlaneEndpoint is { Length: > 0 } endpoint)
        {
            NetworkText.SplitHostPort(endpoint, "--control-plane-endpoint");
        }
        if (flags.DnsDomain is { } domain && !DnsNames.IsSubdomain(domain))
        {
            throw new KubePkiException(
                $"--service-dns-domain: \"{domain}\" is not a valid DNS domain",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (flags.KubernetesVersion is { } version && !KubernetesVersion.IsValid(version))
        {
            throw new KubePkiException(
                $"--kubernetes-version: \"{version}\" is not a Kubernetes version or "
                    + "release label (e.g. v1.32.0, stable-1.32)",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (flags.NodeName is { } nodeName)
        {
            DnsNames.RequireSubdomain(nodeName, "--node-name");
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
            var hostName = DnsNames.RequireSubdomain(
                HostDefaults.NodeName(),
                "the host name (the default node name; set --node-name or nodeRegistration.name)"
            );
            config = config with { NodeName = hostName };
        }
        if (config.AdvertiseAddress.Length == 0)
        {
            var (detected, message) = HostDefaults.AdvertiseAddress();
            if (reportAddress)
            {
                log.WriteLine(message);
            }
            config = config with { AdvertiseAddress = detected };
        }
        return config;
    }

    /// <summary>The config file's text. Invalid UTF-8 is an error, not silently replaced characters.</summary>
    internal static string ReadConfigFile(string path)
    {
        try
        {
            // Through the one reading seam: a FIFO or device given as --config is refused, never waited on.
            return StrictUtf8.GetString(SafeFileReader.Read(path));
        }
        catch (KubePkiException e)
        {
            throw new KubePkiException($"--config {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubePkiException($"--config {path}: cannot read: {e.Message}", IoErrors.KindOf(e), e);
        }
        catch (DecoderFallbackException e)
        {
            throw new KubePkiException(
                $"--config {path}: not valid UTF-8 (byte {e.Index} of the invalid sequence)",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true
    );
}
