using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>What rotating one CA touches on this node: its cert/key pair, the leaves it signs (cert dir pairs and
/// kubeconfig client certs), the kubeconfigs that embed it as a trust anchor, and the control-plane components that
/// read those files.</summary>
internal sealed record RotationTarget(
    CertDefinition Ca,
    IReadOnlyList<PkiPairItem> Pairs,
    IReadOnlyList<KubeconfigItem> Kubeconfigs,
    IReadOnlyList<string> Components
)
{
    /// <summary>The files of this CA the node's kubelet reads when it starts: kubeadm's <c>clientCAFile</c> (ca.crt)
    /// and kubelet.conf, whose CA and client certificate a rotation of <c>ca</c> rewrites.</summary>
    public IReadOnlyList<string> KubeletReads(ClusterConfig config, PkiDirectory pki) =>
        Ca.Name == "ca" ? [pki.CertPath(Ca.BaseName), Path.Combine(config.KubeconfigDir, "kubelet.conf")] : [];

    public static IReadOnlyList<string> Names { get; } = ClusterCas.Names;

    public static RotationTarget For(string name, ClusterConfig config, PkiDirectory pki)
    {
        var ca = CertCatalog.Get(ClusterCas.Parse(name).Name());
        if (ca.IsEtcd && config.ExternalEtcd)
        {
            throw new KubePkiException(
                "etcd-ca cannot be rotated here: the cluster uses external etcd (etcd.external "
                    + "in the kubeadm config), whose CA is managed outside kubeadm",
                KubePkiErrorKind.InvalidInput
            );
        }
        var pairs = CertCatalog
            .For(config.ExternalEtcd)
            .Where(d => d.CaName == name)
            .Select(d => new PkiPairItem(d, pki))
            .ToList();
        // Every kubeconfig embeds ca.crt, kubelet.conf included: the kubelet must trust both CAs too.
        var kubeconfigs =
            name == "ca"
                ? KubeconfigCatalog
                    .All.Select(d => new KubeconfigItem(d, Path.Combine(config.KubeconfigDir, d.FileName)))
                    .ToList()
                : [];
        IReadOnlyList<string> components = name switch
        {
            "ca" => ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
            "front-proxy-ca" => ["kube-apiserver"],
            _ => ["etcd", "kube-apiserver"],
        };
        return new RotationTarget(ca, pairs, kubeconfigs, components);
    }
}
