using System.Net;
using KubePki.Configuration;
using KubePki.Controller.Model;
using KubePki.GoText;

namespace KubePki.Controller.Approval;

/// <summary>What the approver treats as the cluster's own: the service networks, the DNS domain, the API server's own
/// names (controlPlaneEndpoint host, apiServer.certSANs) and the pod network. Flags and the cluster's kubeadm
/// ClusterConfiguration both count — every network or name either gives is refused, so a stale flag can never let
/// the real one through; without either, kubeadm's defaults apply (it has none for the pod network).</summary>
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
        var podNetworks = new List<IPNetwork>(options.PodNetworks);
        var apiServerNames = new List<ApiServerName>(options.ApiServerNames);
        string? domain = flagDomain;
        if (clusterConfiguration is not null)
        {
            try
            {
                var config = KubeadmConfigLoader.Load(
                    clusterConfiguration,
                    $"ConfigMap {KubeadmConfigMap.Namespace}/{KubeadmConfigMap.Name}",
                    new ClusterConfig()
                );
                AddCidrs(networks, config.ServiceSubnet);
                AddCidrs(podNetworks, config.PodSubnet);
                if (config.ControlPlaneEndpoint.Length > 0)
                {
                    var host = NetworkText.SplitHostPort(config.ControlPlaneEndpoint, "controlPlaneEndpoint").Host;
                    AddName(apiServerNames, new ApiServerName(host, ApiServerName.ControlPlaneEndpoint));
                }
                foreach (var san in config.ApiServerCertSans)
                {
                    AddName(apiServerNames, new ApiServerName(san, ApiServerName.CertSans));
                }
                domain ??= config.DnsDomain;
                notes.Add(
                    $"service network [{string.Join(' ', networks)}] and cluster domain {domain} (kubeadm-config read)"
                );
                notes.Add(
                    $"API server names [{string.Join(' ', apiServerNames.Select(n => n.Name))}] and pod network "
                        + $"[{string.Join(' ', podNetworks)}] (kubeadm-config read)"
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
            PodNetworks = podNetworks,
            ApiServerNames = apiServerNames,
        };
    }

    private static void AddCidrs(List<IPNetwork> networks, string cidrs)
    {
        foreach (var part in cidrs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IpAddressText.TryParseCidr(part, out var network) && !networks.Contains(network))
            {
                networks.Add(network);
            }
        }
    }

    private static void AddName(List<ApiServerName> names, ApiServerName name)
    {
        if (!names.Contains(name))
        {
            names.Add(name);
        }
    }
}
