using k8s;

namespace KubePki.Cli.Commands.Controller;

/// <summary>A KubernetesClient for --kubeconfig, or the in-cluster service account when the flag is absent. Bad
/// kubeconfigs become one-line user errors.</summary>
public static class KubeClientFactory
{
    public static IKubernetes Create(string? kubeconfig)
    {
        try
        {
            return new Kubernetes(
                kubeconfig is { } path
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                    : KubernetesClientConfiguration.InClusterConfig()
            );
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new KubePkiException(
                kubeconfig is null
                    ? $"not running in a cluster and no --kubeconfig given: {e.Message}"
                    : $"--kubeconfig {kubeconfig}: {e.Message}",
                e
            );
        }
    }
}
