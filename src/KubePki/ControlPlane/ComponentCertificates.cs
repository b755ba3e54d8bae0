namespace KubePki.ControlPlane;

/// <summary>Which component uses which renewable certificate (kubeadm's renewCertsByComponent): the components to
/// restart after a renewal, and the certificates to renew before a component's new manifest is installed.</summary>
internal static class ComponentCertificates
{
    private static readonly IReadOnlyDictionary<string, ControlPlaneComponent> OwnerOf = new Dictionary<
        string,
        ControlPlaneComponent
    >(StringComparer.Ordinal)
    {
        ["etcd-server"] = ControlPlaneComponent.Etcd,
        ["etcd-peer"] = ControlPlaneComponent.Etcd,
        ["etcd-healthcheck-client"] = ControlPlaneComponent.Etcd,
        ["apiserver"] = ControlPlaneComponent.KubeApiServer,
        ["apiserver-kubelet-client"] = ControlPlaneComponent.KubeApiServer,
        ["front-proxy-client"] = ControlPlaneComponent.KubeApiServer,
        ["apiserver-etcd-client"] = ControlPlaneComponent.KubeApiServer,
        ["controller-manager.conf"] = ControlPlaneComponent.KubeControllerManager,
        ["scheduler.conf"] = ControlPlaneComponent.KubeScheduler,
    };

    /// <summary>The components that must restart to use the given renewed items, in upgrade order. admin.conf and
    /// super-admin.conf belong to no component.</summary>
    public static IReadOnlyList<ControlPlaneComponent> Owners(IEnumerable<string> renewedItems)
    {
        var owners = renewedItems.Where(OwnerOf.ContainsKey).Select(n => OwnerOf[n]).ToHashSet();
        return ControlPlaneComponent.InUpgradeOrder.Where(owners.Contains).ToList();
    }

    /// <summary>The renewable items the component uses, in kubeadm's order.</summary>
    public static IReadOnlyList<string> Of(ControlPlaneComponent component) =>
        OwnerOf.Where(p => p.Value == component).Select(p => p.Key).ToList();
}
