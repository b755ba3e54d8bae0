using k8s;

namespace KubePki.Cli.Commands.Controller;

/// <summary>A KubernetesClient for --kubeconfig, or without the flag the in-cluster service account (in-cluster
/// components) or kubectl's lookup: $KUBECONFIG, ~/.kube/config, then in-cluster (commands an operator runs). Bad
/// kubeconfigs become one-line user errors.</summary>
public static class KubeClientFactory
{
    public static IKubernetes Create(string? kubeconfig, bool likeKubectl = false)
    {
        try
        {
            return new Kubernetes(
                kubeconfig is { } path ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                : likeKubectl ? KubernetesClientConfiguration.BuildDefaultConfig()
                : KubernetesClientConfiguration.InClusterConfig()
            );
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new KubePkiException(
                kubeconfig is null
                    ? likeKubectl
                        ? $"no kubeconfig found: {e.Message}"
                        : $"not running in a cluster and no --kubeconfig given: {e.Message}"
                    : $"--kubeconfig {kubeconfig}: {e.Message}",
                e
            );
        }
    }
}
