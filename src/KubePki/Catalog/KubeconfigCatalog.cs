namespace KubePki.Catalog;

/// <summary>kubeadm's kubeconfig files (getKubeConfigSpecsBase), in phase order.</summary>
internal static class KubeconfigCatalog
{
    public static KubeconfigDefinition Admin { get; } =
        new()
        {
            Name = "admin",
            FileName = "admin.conf",
            ClientNameOf = _ => "kubernetes-admin",
            Organizations = [CertCatalog.ClusterAdminsGroup],
            LongName = "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself",
        };

    public static KubeconfigDefinition SuperAdmin { get; } =
        new()
        {
            Name = "super-admin",
            FileName = "super-admin.conf",
            ClientNameOf = _ => "kubernetes-super-admin",
            Organizations = [CertCatalog.SystemPrivilegedGroup],
            LongName = "certificate embedded in the kubeconfig file for the super-admin",
        };

    public static KubeconfigDefinition Kubelet { get; } =
        new()
        {
            Name = "kubelet",
            FileName = "kubelet.conf",
            ClientNameOf = c => "system:node:" + c.NodeName,
            Organizations = [CertCatalog.NodesGroup],
            Renewable = false,
            LongName = "certificate embedded in the kubeconfig file for the kubelet to use",
        };

    public static KubeconfigDefinition ControllerManager { get; } =
        new()
        {
            Name = "controller-manager",
            FileName = "controller-manager.conf",
            ClientNameOf = _ => "system:kube-controller-manager",
            UsesLocalEndpoint = true,
            LongName = "certificate embedded in the kubeconfig file for the controller manager to use",
            RestartAfterRenewal = [ControlPlaneComponents.KubeControllerManager],
        };

    public static KubeconfigDefinition Scheduler { get; } =
        new()
        {
            Name = "scheduler",
            FileName = "scheduler.conf",
            ClientNameOf = _ => "system:kube-scheduler",
            UsesLocalEndpoint = true,
            LongName = "certificate embedded in the kubeconfig file for the scheduler manager to use",
            RestartAfterRenewal = [ControlPlaneComponents.KubeScheduler],
        };

    public static IReadOnlyList<KubeconfigDefinition> All { get; } =
    [Admin, SuperAdmin, Kubelet, ControllerManager, Scheduler];
}
