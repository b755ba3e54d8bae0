using System.Net;
using KubePki.Configuration;
using KubePki.Model;

namespace KubePki.Controller.Approval;

/// <summary>What the approver treats as the cluster's own: the service networks and the DNS domain. Flags and the
/// cluster's kubeadm ClusterConfiguration both count — every network either names is refused, so a stale flag can
/// never let the real service network through; without either, kubeadm's defaults apply.</summary>
public static class ClusterNetworks
{
    public static ApproverOptions Apply(
        ApproverOptions options,
        IReadOnlyList<IPNetwork>? flagNetworks,
        string? flagDomain,
        string? clusterConfiguration,
        ICollection<string> notes
    )
    {
        var networks = new List<IPNetwork>(flagNetworks ?? []);
        string? domain = flagDomain;
        if (clusterConfiguration is not null)
        {
            try
            {
                var config = KubeadmConfigLoader.Load(
                    clusterConfiguration,
                    $"ConfigMap {Runtime.KubeadmConfigMap.Namespace}/{Runtime.KubeadmConfigMap.Name}",
                    new ClusterConfig()
                );
                foreach (
                    var part in config.ServiceSubnet.Split(
                        ',',
                        StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries
                    )
                )
                {
                    if (IpAddressText.TryParseCidr(part, out var network) && !networks.Contains(network))
                    {
                        networks.Add(network);
                    }
                }
                domain ??= config.DnsDomain;
                notes.Add(
                    $"service network [{string.Join(' ', networks)}] and cluster domain {domain} (kubeadm-config read)"
                );
            }
            catch (KubePkiException e)
            {
                notes.Add($"ignoring the cluster's kubeadm-config: {e.Message}");
            }
        }
        if (networks.Count == 0)
        {
            networks.Add(ApproverOptions.DefaultServiceNetwork);
        }
        return options with
        {
            ServiceNetworks = networks,
            ClusterDomain = domain ?? ApproverOptions.DefaultClusterDomain,
        };
    }
}
