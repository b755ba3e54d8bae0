using KubePki.GoText;
using KubePki.Model;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.Configuration;

/// <summary>Reads a kubeadm config file (multi-document YAML; InitConfiguration and ClusterConfiguration of
/// kubeadm.k8s.io/v1beta3 or v1beta4) into a <see cref="ClusterConfig"/>. Errors name the document and field.</summary>
internal static class KubeadmConfigLoader
{
    private const string KubeadmGroup = "kubeadm.k8s.io/";

    // Component configs that may share the file; kubeadm passes them on and so do we.
    private static readonly HashSet<string> IgnoredKinds =
    [
        "kubelet.config.k8s.io/v1beta1/KubeletConfiguration",
        "kubeproxy.config.k8s.io/v1alpha1/KubeProxyConfiguration",
    ];

    private static readonly HashSet<string> KubeadmKinds =
    [
        "InitConfiguration",
        "ClusterConfiguration",
        "JoinConfiguration",
        "ResetConfiguration",
        "UpgradeConfiguration",
    ];

    public static ClusterConfig Load(
        string text,
        string source,
        ClusterConfig defaults,
        ICollection<string>? warnings = null
    )
    {
        var config = defaults;
        var index = 0;
        var seenKinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in BoundedYaml.Load(text, source))
        {
            index++;
            if (document.RootNode is not YamlMappingNode root)
            {
                if (document.RootNode is YamlScalarNode { Value: null or "" })
                {
                    continue;
                }
                throw new KubePkiException(
                    $"{source}: document {index} is not a YAML mapping",
                    KubePkiErrorKind.InvalidInput
                );
            }
            var reader = new FieldReader(source, $"document {index}", warnings);
            var apiVersion =
                reader.String(root, "apiVersion")
                ?? throw new KubePkiException(
                    $"{source}: document {index} has no apiVersion",
                    KubePkiErrorKind.InvalidInput
                );
            var kind =
                reader.String(root, "kind")
                ?? throw new KubePkiException($"{source}: document {index} has no kind", KubePkiErrorKind.InvalidInput);
            if (IgnoredKinds.Contains($"{apiVersion}/{kind}"))
            {
                continue;
            }
            if (!apiVersion.StartsWith(KubeadmGroup, StringComparison.Ordinal) || !KubeadmKinds.Contains(kind))
            {
                throw new KubePkiException(
                    $"{source}: document {index}: unknown apiVersion/kind \"{apiVersion}, Kind={kind}\"",
                    KubePkiErrorKind.InvalidInput
                );
            }
            if (!seenKinds.Add(kind))
            {
                throw new KubePkiException(
                    $"{source}: invalid configuration: kind \"{kind}\" is specified twice in YAML file",
                    KubePkiErrorKind.InvalidInput
                );
            }
            var version = apiVersion[KubeadmGroup.Length..];
            if (version is not ("v1beta3" or "v1beta4"))
            {
                throw new KubePkiException(
                    $"{source}: document {index}: {apiVersion} is not supported; use kubeadm.k8s.io/v1beta3 or "
                        + $"kubeadm.k8s.io/v1beta4",
                    KubePkiErrorKind.InvalidInput
                );
            }
            reader = reader with { Context = kind };
            foreach (var field in KubeadmSchema.UnknownFields(kind, root))
            {
                warnings?.Add($"[config] WARNING: {source}: unknown field \"{field}\" in {kind}");
            }
            config = kind switch
            {
                "InitConfiguration" => ReadInit(reader, root, config),
                "ClusterConfiguration" => ReadCluster(reader, root, config, version),
                _ => config,
            };
        }
        return config;
    }

    /// <summary>The UpgradeConfiguration (kubeadm.k8s.io/v1beta4) of a config file, if it has one: the settings of
    /// <c>upgrade apply</c> that <c>control-plane apply</c> honours. Unknown fields are reported by <see cref="Load"/>,
    /// which reads the same file.</summary>
    public static UpgradeSettings LoadUpgrade(string text, string source)
    {
        var index = 0;
        foreach (var document in BoundedYaml.Load(text, source))
        {
            index++;
            if (document.RootNode is not YamlMappingNode root)
            {
                continue;
            }
            var reader = new FieldReader(source, "UpgradeConfiguration", null);
            if (reader.String(root, "kind") != "UpgradeConfiguration")
            {
                continue;
            }
            if (reader.String(root, "apiVersion") != KubeadmGroup + "v1beta4")
            {
                throw new KubePkiException(
                    $"{source}: document {index}: UpgradeConfiguration exists only in {KubeadmGroup}v1beta4",
                    KubePkiErrorKind.InvalidInput
                );
            }
            var apply = reader.Map(root, "apply");
            var timeouts = reader.Map(root, "timeouts");
            return new UpgradeSettings(
                apply is null ? null : reader.Bool(apply, "certificateRenewal", "apply.certificateRenewal"),
                apply is null ? null : reader.Bool(apply, "etcdUpgrade", "apply.etcdUpgrade"),
                timeouts is null
                    ? null
                    : (reader with { Context = "UpgradeConfiguration.timeouts" }).Duration(timeouts, "upgradeManifests")
            );
        }
        return new UpgradeSettings(null, null, null);
    }

    private static ClusterConfig ReadInit(FieldReader reader, YamlMappingNode root, ClusterConfig config)
    {
        if (
            reader.Map(root, "nodeRegistration") is { } node
            && reader.String(node, "name", "nodeRegistration.name") is { Length: > 0 } name
        )
        {
            var field = $"{reader.Source}: {reader.Context}.nodeRegistration.name";
            config = config with { NodeName = DnsNames.RequireSubdomain(name, field) };
        }
        if (reader.Map(root, "localAPIEndpoint") is { } endpoint)
        {
            var address = reader.String(endpoint, "advertiseAddress", "localAPIEndpoint.advertiseAddress");
            if (address is { Length: > 0 })
            {
                if (!NetworkText.TryParseIp(address, out _))
                {
                    throw reader.Error("localAPIEndpoint.advertiseAddress", $"\"{address}\" is not a valid IP address");
                }
                config = config with { AdvertiseAddress = address };
            }
            if (reader.Int(endpoint, "bindPort", "localAPIEndpoint.bindPort") is { } port)
            {
                config = config with { BindPort = ValidPort(reader, port, "localAPIEndpoint.bindPort") };
            }
        }
        return config;
    }

    private static ClusterConfig ReadCluster(
        FieldReader reader,
        YamlMappingNode root,
        ClusterConfig config,
        string version
    )
    {
        config = config with
        {
            CertificatesDir = reader.String(root, "certificatesDir") ?? config.CertificatesDir,
            ClusterName = reader.String(root, "clusterName") ?? config.ClusterName,
            ControlPlaneEndpoint = reader.String(root, "controlPlaneEndpoint") ?? config.ControlPlaneEndpoint,
        };
        if (config.ControlPlaneEndpoint.Length > 0)
        {
            NetworkText.SplitHostPort(config.ControlPlaneEndpoint, "cluster controlPlaneEndpoint");
        }
        if (reader.Map(root, "networking") is { } networking)
        {
            var subnet = reader.String(networking, "serviceSubnet", "networking.serviceSubnet");
            if (subnet is not null && !NetworkText.IsValidCidrList(subnet))
            {
                throw reader.Error("networking.serviceSubnet", $"\"{subnet}\" is not a valid CIDR");
            }
            var podSubnet = reader.String(networking, "podSubnet", "networking.podSubnet");
            if (podSubnet is { Length: > 0 } && !NetworkText.IsValidCidrList(podSubnet))
            {
                throw reader.Error("networking.podSubnet", $"\"{podSubnet}\" is not a valid CIDR");
            }
            var domain = reader.String(networking, "dnsDomain", "networking.dnsDomain");
            config = config with
            {
                ServiceSubnet = subnet ?? config.ServiceSubnet,
                PodSubnet = podSubnet ?? config.PodSubnet,
                DnsDomain = domain is null
                    ? config.DnsDomain
                    : DnsNames.RequireSubdomain(domain, $"{reader.Source}: {reader.Context}.networking.dnsDomain"),
            };
        }
        if (reader.Map(root, "apiServer") is { } apiServer)
        {
            config = config with
            {
                ApiServerCertSans =
                    reader.Strings(apiServer, "certSANs", "apiServer.certSANs") ?? config.ApiServerCertSans,
            };
        }
        if (reader.Map(root, "etcd") is { } etcd)
        {
            if (reader.Map(etcd, "local") is { } local)
            {
                config = config with
                {
                    EtcdServerCertSans =
                        reader.Strings(local, "serverCertSANs", "etcd.local.serverCertSANs")
                        ?? config.EtcdServerCertSans,
                    EtcdPeerCertSans =
                        reader.Strings(local, "peerCertSANs", "etcd.local.peerCertSANs") ?? config.EtcdPeerCertSans,
                };
            }
            if (reader.Map(etcd, "external") is not null)
            {
                config = config with { ExternalEtcd = true };
            }
        }
        if (
            reader.Map(root, "featureGates") is { } gates
            && reader.Bool(gates, "PublicKeysECDSA", "featureGates.PublicKeysECDSA") == true
        )
        {
            config = config with { KeyAlgorithm = KeyAlgorithm.EcdsaP256 };
        }
        if (reader.String(root, "encryptionAlgorithm") is { } algorithm)
        {
            if (version == "v1beta3")
            {
                throw reader.Error(
                    "encryptionAlgorithm",
                    "is a kubeadm.k8s.io/v1beta4 field; in v1beta3 use featureGates.PublicKeysECDSA"
                );
            }
            if (!KeyAlgorithms.TryParse(algorithm, out var parsed))
            {
                throw reader.Error(
                    "encryptionAlgorithm",
                    $"unknown value \"{algorithm}\"; use RSA-2048, RSA-3072, RSA-4096, ECDSA-P256 or ECDSA-P384"
                );
            }
            config = config with { KeyAlgorithm = parsed };
        }
        config = config with
        {
            CertificateValidity = reader.Duration(root, "certificateValidityPeriod") ?? config.CertificateValidity,
            CaCertificateValidity =
                reader.Duration(root, "caCertificateValidityPeriod") ?? config.CaCertificateValidity,
        };
        return config;
    }

    private static int ValidPort(FieldReader reader, long port, string field) =>
        port is >= 1 and <= 65535 ? (int)port : throw reader.Error(field, $"{port} is not a valid port (1-65535)");

    /// <summary>Typed access to fields with errors that name the file, the document kind and the field path.</summary>
    private sealed record FieldReader(string Source, string Context, ICollection<string>? Warnings)
    {
        public KubePkiException Error(string field, string message) =>
            new($"{Source}: {Context}.{field}: {message}", KubePkiErrorKind.InvalidInput);

        public string? String(YamlMappingNode map, string key, string? path = null) =>
            Get(map, key) switch
            {
                null => null,
                YamlScalarNode scalar => scalar.Value,
                _ => throw Error(path ?? key, "expected a string"),
            };

        public YamlMappingNode? Map(YamlMappingNode map, string key) =>
            Get(map, key) switch
            {
                null or YamlScalarNode { Value: null or "" } => null,
                YamlMappingNode child => child,
                _ => throw Error(key, "expected a mapping"),
            };

        public IReadOnlyList<string>? Strings(YamlMappingNode map, string key, string path) =>
            Get(map, key) switch
            {
                null or YamlScalarNode { Value: null or "" } => null,
                YamlSequenceNode list => list
                    .Children.Select(item =>
                        item is YamlScalarNode { Value: { } v } ? v : throw Error(path, "expected a list of strings")
                    )
                    .ToList(),
                _ => throw Error(path, "expected a list of strings"),
            };

        public long? Int(YamlMappingNode map, string key, string path)
        {
            var text = String(map, key, path);
            return text is null ? null
                : long.TryParse(text, out var value) ? value
                : throw Error(path, $"\"{text}\" is not an integer");
        }

        public bool? Bool(YamlMappingNode map, string key, string path)
        {
            var text = String(map, key, path);
            return text is null ? null
                : bool.TryParse(text, out var value) ? value
                : throw Error(path, $"\"{text}\" is not a boolean");
        }

        public TimeSpan? Duration(YamlMappingNode map, string key)
        {
            var text = String(map, key);
            if (text is null)
            {
                return null;
            }
            if (!GoDuration.TryParse(text, out var value) || value <= TimeSpan.Zero)
            {
                throw Error(
                    key,
                    $"\"{text}\" is not a valid positive duration (e.g. 8760h), at most {GoDuration.MaxText}"
                );
            }
            return value;
        }

        private static YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
    }
}
