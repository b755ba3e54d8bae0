namespace KubePki.Rotation;

/// <summary>A CA of a kubeadm cluster that <see cref="CaRotation"/> can replace.</summary>
public enum ClusterCa
{
    /// <summary><c>ca</c>: the cluster CA (API server, kubelets, every kubeconfig).</summary>
    Ca = 0,

    /// <summary><c>front-proxy-ca</c>: the CA of the API server's aggregation-layer client.</summary>
    FrontProxyCa = 1,

    /// <summary><c>etcd-ca</c>: the CA of a stacked etcd.</summary>
    EtcdCa = 2,
}

/// <summary>The catalog names of <see cref="ClusterCa"/> values (<c>ca</c>, <c>front-proxy-ca</c>,
/// <c>etcd-ca</c>), as <c>kubepki ca rotate</c> takes them.</summary>
internal static class ClusterCas
{
    public static string Name(this ClusterCa ca) =>
        ca switch
        {
            ClusterCa.Ca => "ca",
            ClusterCa.FrontProxyCa => "front-proxy-ca",
            ClusterCa.EtcdCa => "etcd-ca",
            _ => throw new ArgumentOutOfRangeException(nameof(ca), ca, "not a CA of the cluster"),
        };

    /// <summary>Every name, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<ClusterCa>().Select(Name)];

    /// <summary>The CA named <paramref name="name"/>; an unknown name is refused with the names it could
    /// be.</summary>
    public static ClusterCa Parse(string name) =>
        Enum.GetValues<ClusterCa>().Where(ca => ca.Name() == name).Cast<ClusterCa?>().FirstOrDefault()
        ?? throw new KubePkiException(
            $"unknown certificate authority \"{name}\"; expected one of: {string.Join(", ", Names)}",
            KubePkiErrorKind.InvalidInput
        );
}
