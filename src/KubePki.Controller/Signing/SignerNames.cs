namespace KubePki.Controller.Signing;

/// <summary>The four kubernetes.io signers kube-controller-manager's csrsigning controller serves.</summary>
public static class SignerNames
{
    public const string KubeletServing = "kubernetes.io/kubelet-serving";
    public const string KubeletClient = "kubernetes.io/kube-apiserver-client-kubelet";
    public const string KubeApiServerClient = "kubernetes.io/kube-apiserver-client";
    public const string LegacyUnknown = "kubernetes.io/legacy-unknown";

    public static IReadOnlyList<string> All { get; } =
    [KubeletServing, KubeletClient, KubeApiServerClient, LegacyUnknown];
}
