using YamlDotNet.RepresentationModel;

namespace KubePki.Configuration;

/// <summary>The field names of kubeadm's InitConfiguration, ClusterConfiguration (v1beta3 and v1beta4 together) and
/// UpgradeConfiguration (v1beta4), so
/// that unknown fields are found at every depth, as kubeadm's strict decoding finds them. Values kubeadm passes through
/// untyped (extraArgs, extraEnvs, featureGates, kubeletExtraArgs) are not checked.</summary>
internal static class KubeadmSchema
{
    /// <summary>A field's shape: <see cref="Fields"/> null = any value; <see cref="Items"/> = a list of such
    /// objects.</summary>
    private sealed record Shape(IReadOnlyDictionary<string, Shape>? Fields, bool Items = false);

    private static readonly Shape Any = new(null);

    private static Shape Object(params (string Name, Shape Shape)[] fields) =>
        new(fields.ToDictionary(f => f.Name, f => f.Shape, StringComparer.Ordinal));

    private static Shape Leaves(params string[] names) => Object([.. names.Select(n => (n, Any))]);

    private static Shape ListOf(Shape item) => item with { Items = true };

    private static readonly Shape HostPathMount = Leaves("name", "hostPath", "mountPath", "readOnly", "pathType");

    private static Shape ControlPlaneComponent(params (string, Shape)[] extra) =>
        Object([("extraArgs", Any), ("extraVolumes", ListOf(HostPathMount)), ("extraEnvs", Any), .. extra]);

    private static readonly Shape Timeouts = Leaves(
        "controlPlaneComponentHealthCheck",
        "kubeletHealthCheck",
        "kubernetesAPICall",
        "etcdAPICall",
        "tlsBootstrap",
        "discovery",
        "upgradeManifests"
    );

    private static readonly Shape Patches = Leaves("directory");

    private static readonly Shape Init = Object(
        ("apiVersion", Any),
        ("kind", Any),
        ("bootstrapTokens", ListOf(Leaves("token", "description", "ttl", "expires", "usages", "groups"))),
        (
            "nodeRegistration",
            Object(
                ("name", Any),
                ("criSocket", Any),
                ("taints", ListOf(Leaves("key", "value", "effect", "timeAdded"))),
                ("kubeletExtraArgs", Any),
                ("ignorePreflightErrors", Any),
                ("imagePullPolicy", Any),
                ("imagePullSerial", Any)
            )
        ),
        ("localAPIEndpoint", Leaves("advertiseAddress", "bindPort")),
        ("certificateKey", Any),
        ("skipPhases", Any),
        ("patches", Patches),
        ("timeouts", Timeouts),
        ("dryRun", Any)
    );

    private static readonly Shape Cluster = Object(
        ("apiVersion", Any),
        ("kind", Any),
        (
            "etcd",
            Object(
                (
                    "local",
                    Leaves(
                        "imageRepository",
                        "imageTag",
                        "dataDir",
                        "extraArgs",
                        "extraEnvs",
                        "serverCertSANs",
                        "peerCertSANs"
                    )
                ),
                ("external", Leaves("endpoints", "caFile", "certFile", "keyFile"))
            )
        ),
        ("networking", Leaves("serviceSubnet", "podSubnet", "dnsDomain")),
        ("kubernetesVersion", Any),
        ("controlPlaneEndpoint", Any),
        ("apiServer", ControlPlaneComponent(("certSANs", Any), ("timeoutForControlPlane", Any))),
        ("controllerManager", ControlPlaneComponent()),
        ("scheduler", ControlPlaneComponent()),
        ("dns", Leaves("imageRepository", "imageTag", "disabled")),
        ("proxy", Leaves("disabled")),
        ("certificatesDir", Any),
        ("imageRepository", Any),
        ("featureGates", Any),
        ("clusterName", Any),
        ("encryptionAlgorithm", Any),
        ("certificateValidityPeriod", Any),
        ("caCertificateValidityPeriod", Any)
    );

    // kubeadm.k8s.io/v1beta4 UpgradeConfiguration: apply, diff, node, plan and timeouts.
    private static readonly Shape Upgrade = Object(
        ("apiVersion", Any),
        ("kind", Any),
        (
            "apply",
            Object(
                ("kubernetesVersion", Any),
                ("allowExperimentalUpgrades", Any),
                ("allowRCUpgrades", Any),
                ("certificateRenewal", Any),
                ("dryRun", Any),
                ("etcdUpgrade", Any),
                ("forceUpgrade", Any),
                ("ignorePreflightErrors", Any),
                ("patches", Patches),
                ("printConfig", Any),
                ("skipPhases", Any),
                ("imagePullPolicy", Any),
                ("imagePullSerial", Any)
            )
        ),
        ("diff", Leaves("kubernetesVersion", "contextLines")),
        (
            "node",
            Object(
                ("certificateRenewal", Any),
                ("dryRun", Any),
                ("etcdUpgrade", Any),
                ("ignorePreflightErrors", Any),
                ("skipPhases", Any),
                ("patches", Patches),
                ("imagePullPolicy", Any),
                ("imagePullSerial", Any)
            )
        ),
        (
            "plan",
            Leaves(
                "kubernetesVersion",
                "allowExperimentalUpgrades",
                "allowRCUpgrades",
                "dryRun",
                "ignorePreflightErrors",
                "printConfig"
            )
        ),
        ("timeouts", Timeouts)
    );

    /// <summary>The full paths (<c>apiServer.certSans</c>, <c>apiServer.extraVolumes[0].readonly</c>) of fields the
    /// kind does not have, in document order; empty for kinds without a schema here.</summary>
    public static IReadOnlyList<string> UnknownFields(string kind, YamlMappingNode root)
    {
        var unknown = new List<string>();
        var shape = kind switch
        {
            "InitConfiguration" => Init,
            "ClusterConfiguration" => Cluster,
            "UpgradeConfiguration" => Upgrade,
            _ => null,
        };
        if (shape is not null)
        {
            Walk(root, shape, "", unknown);
        }
        return unknown;
    }

    private static void Walk(YamlNode node, Shape shape, string path, List<string> unknown)
    {
        if (shape.Fields is null)
        {
            return;
        }
        if (shape.Items)
        {
            if (node is YamlSequenceNode list)
            {
                var item = shape with { Items = false };
                for (var i = 0; i < list.Children.Count; i++)
                {
                    Walk(list.Children[i], item, $"{path}[{i}]", unknown);
                }
            }
            return;
        }
        if (node is not YamlMappingNode map)
        {
            return;
        }
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            var full = path.Length == 0 ? name : $"{path}.{name}";
            if (shape.Fields.TryGetValue(name, out var child))
            {
                Walk(value, child, full, unknown);
            }
            else
            {
                unknown.Add(full);
            }
        }
    }
}
