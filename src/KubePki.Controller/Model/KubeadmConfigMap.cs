namespace KubePki.Controller.Model;

/// <summary>Where kubeadm keeps the cluster's ClusterConfiguration: ConfigMap kube-system/kubeadm-config, key
/// ClusterConfiguration.</summary>
public static class KubeadmConfigMap
{
    public const string Namespace = "kube-system";
    public const string Name = "kubeadm-config";
    public const string Key = "ClusterConfiguration";
}
