namespace KubePki.Catalog;

/// <summary>The static-pod components that hold the cluster's certificates, in the order kubeadm's renewal reminder
/// names them.</summary>
internal static class ControlPlaneComponents
{
    public const string KubeApiServer = "kube-apiserver";
    public const string KubeControllerManager = "kube-controller-manager";
    public const string KubeScheduler = "kube-scheduler";
    public const string Etcd = "etcd";

    public static IReadOnlyList<string> Order { get; } = [KubeApiServer, KubeControllerManager, KubeScheduler, Etcd];
}
