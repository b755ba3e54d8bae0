namespace KubePki.ControlPlane;

/// <summary>A static-pod control-plane component as kubeadm lays it out: <c>&lt;name&gt;.yaml</c> in the manifests dir,
/// and, for etcd and kube-apiserver, the flag naming the certificate it serves to clients.</summary>
internal sealed record ControlPlaneComponent(string Name, string? ServedCertFlag)
{
    public static ControlPlaneComponent Etcd { get; } = new("etcd", "--cert-file");

    public static ControlPlaneComponent KubeApiServer { get; } = new("kube-apiserver", "--tls-cert-file");

    public static ControlPlaneComponent KubeControllerManager { get; } = new("kube-controller-manager", null);

    public static ControlPlaneComponent KubeScheduler { get; } = new("kube-scheduler", null);

    /// <summary>kubeadm's upgrade order: etcd first, then constants.ControlPlaneComponents.</summary>
    public static IReadOnlyList<ControlPlaneComponent> InUpgradeOrder { get; } =
    [Etcd, KubeApiServer, KubeControllerManager, KubeScheduler];

    public string ManifestFileName => Name + ".yaml";

    public int Order => InUpgradeOrder.ToList().IndexOf(this);

    public static ControlPlaneComponent Parse(string name) =>
        InUpgradeOrder.FirstOrDefault(c => c.Name == name)
        ?? throw new KubePkiException(
            $"unknown control-plane component \"{name}\"; expected all or one or more "
                + $"of: {string.Join(", ", InUpgradeOrder.Select(c => c.Name))}",
            KubePkiErrorKind.InvalidInput
        );

    /// <summary>The named components (or <c>all</c>), each once, in upgrade order.</summary>
    public static IReadOnlyList<ControlPlaneComponent> ParseList(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            throw new KubePkiException(
                $"no component given; expected all or one or more "
                    + $"of: {string.Join(", ", InUpgradeOrder.Select(c => c.Name))}",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (names.Contains("all"))
        {
            return names.Count == 1
                ? InUpgradeOrder
                : throw new KubePkiException(
                    "\"all\" cannot be combined with component names",
                    KubePkiErrorKind.InvalidInput
                );
        }
        return InUpgradeOrder.Intersect(names.Select(Parse)).ToList();
    }
}
