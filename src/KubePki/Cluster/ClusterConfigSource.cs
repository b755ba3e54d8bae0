using KubePki.Configuration;

namespace KubePki.Cluster;

/// <summary>kubeadm's getInternalCfg for <c>certs check-expiration</c> and <c>certs renew</c>: --config if given, else
/// the cluster's kubeadm-config ConfigMap read through --kubeconfig, else the defaults. Flags override either. A
/// kubeconfig that cannot be used means the defaults without a word; a cluster that cannot be read, kubeadm's
/// fallback line. Unlike kubeadm, the cluster's certificatesDir is kept unless --cert-dir is given.</summary>
internal static class ClusterConfigSource
{
    public const string DefaultKubeconfig = "/etc/kubernetes/admin.conf";

    /// <summary>The fetch must not hold up a renewal of a cluster that is down.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const string ConfigMapName = $"ConfigMap {KubeadmConfigMapClient.Namespace}/{KubeadmConfigMapClient.Name}";

    /// <param name="log">Where kubeadm's "[prefix] Reading configuration from the cluster..." lines go.</param>
    /// <param name="configLog">Where config warnings and the advertise-address line go.</param>
    public static ClusterConfig Resolve(
        ConfigOverrides flags,
        string kubeconfig,
        string logPrefix,
        TextWriter log,
        TextWriter configLog,
        bool reportAddress = true
    )
    {
        if (flags.ConfigPath is null)
        {
            using var client = KubeadmConfigMapClient.FromKubeconfig(kubeconfig, Timeout, out _);
            if (client is not null)
            {
                log.WriteLine($"[{logPrefix}] Reading configuration from the cluster...");
                log.WriteLine(
                    $"[{logPrefix}] FYI: You can look at this config file with "
                        + $"'kubectl -n {KubeadmConfigMapClient.Namespace} get cm "
                        + $"{KubeadmConfigMapClient.Name} -o yaml'"
                );
                try
                {
                    var text = client.FetchClusterConfiguration();
                    var config = ClusterConfigResolver.Resolve(
                        flags,
                        configLog,
                        reportAddress: reportAddress,
                        document: (ConfigMapName, text)
                    );
                    log.WriteLine();
                    return config;
                }
                catch (KubePkiException)
                {
                    log.WriteLine(
                        $"[{logPrefix}] Error reading configuration from the Cluster. "
                            + "Falling back to default configuration"
                    );
                    log.WriteLine();
                }
            }
        }
        return ClusterConfigResolver.Resolve(flags, configLog, reportAddress: reportAddress);
    }
}
