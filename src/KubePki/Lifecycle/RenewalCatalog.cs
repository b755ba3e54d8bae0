using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>What kubeadm's renewal manager lists: every leaf of the cluster plus the kubeconfigs with embedded certs
/// (kubelet.conf excluded: the kubelet rotates its own), sorted by name; and the CAs, sorted by name.</summary>
public static class RenewalCatalog
{
    /// <summary>The items <c>certs renew all</c> renews for this cluster (etcd's only with local etcd), sorted by
    /// name.</summary>
    public static IReadOnlyList<RenewableItem> Items(ClusterConfig config, PkiDirectory pki)
    {
        var pairs = CertCatalog
            .For(config.ExternalEtcd)
            .Where(d => !d.IsCa)
            .Select(d => (RenewableItem)new PkiPairItem(d, pki));
        var kubeconfigs = KubeconfigCatalog
            .All.Where(d => d.Renewable)
            .Select(d => (RenewableItem)new KubeconfigItem(d, Path.Combine(config.KubeconfigDir, d.FileName)));
        return pairs.Concat(kubeconfigs).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every name <c>certs renew</c> accepts (a cluster with local etcd lists them all).</summary>
    public static IReadOnlyList<string> Names { get; } =
        CertCatalog
            .All.Where(d => !d.IsCa)
            .Select(d => d.Name)
            .Concat(KubeconfigCatalog.All.Where(d => d.Renewable).Select(d => d.FileName))
            .Order(StringComparer.Ordinal)
            .ToList();

    internal static IReadOnlyList<CertDefinition> Cas(ClusterConfig config) =>
        CertCatalog.For(config.ExternalEtcd).Where(d => d.IsCa).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <summary>The item <c>certs renew &lt;name&gt;</c> renews; a <see cref="KubePkiException"/> listing the valid
    /// names when there is none.</summary>
    public static RenewableItem Find(ClusterConfig config, PkiDirectory pki, string name) =>
        Items(config, pki).FirstOrDefault(i => i.Name == name)
        ?? throw new KubePkiException(
            $"unknown certificate \"{name}\"; expected one of: "
                + $"{string.Join(", ", Items(config, pki).Select(i => i.Name))}",
            KubePkiErrorKind.InvalidInput
        );
}
