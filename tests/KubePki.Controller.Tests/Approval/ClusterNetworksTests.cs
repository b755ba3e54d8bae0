using System.Net;
using KubePki.Controller.Approval;

namespace KubePki.Controller.Tests.Approval;

/// <summary>What the approver treats as the cluster's own when flags and the cluster's kubeadm-config both speak:
/// every name and network either gives counts, so a stale flag never lets the cluster's real one through.</summary>
public class ClusterNetworksTests
{
    private const string Config = """
        apiVersion: kubeadm.k8s.io/v1beta3
        kind: ClusterConfiguration
        controlPlaneEndpoint: "[2001:db8::1]:6443"
        apiServer:
          certSANs: [lb.corp.example]
        networking:
          podSubnet: 10.244.0.0/16
        """;

    [Fact]
    public void Flags_and_kubeadm_config_both_count_for_api_server_names_and_the_pod_network()
    {
        var flags = ApproverOptions.Default with
        {
            ApiServerNames = [new ApiServerName("old-lb.corp.example", ApiServerName.CertSans)],
            PodNetworks = [IPNetwork.Parse("10.32.0.0/12")],
            AllowPodNetworkIps = true,
        };
        var notes = new List<string>();

        var options = ClusterNetworks.Apply(flags, null, null, Config, notes);

        Assert.Equal(
            [
                "old-lb.corp.example (apiServer.certSANs)",
                "2001:db8::1 (controlPlaneEndpoint)",
                "lb.corp.example (apiServer.certSANs)",
            ],
            options.ApiServerNames.Select(n => $"{n.Name} ({n.Source})")
        );
        Assert.Equal([IPNetwork.Parse("10.32.0.0/12"), IPNetwork.Parse("10.244.0.0/16")], options.PodNetworks);
        Assert.True(options.AllowPodNetworkIps);
        Assert.Contains(
            "API server names [old-lb.corp.example 2001:db8::1 lb.corp.example] and pod network [10.32.0.0/12 "
                + "10.244.0.0/16] (kubeadm-config read)",
            notes
        );
    }

    [Fact]
    public void Without_kubeadm_config_only_the_flags_count_and_kubeadm_has_no_default_pod_network()
    {
        var options = ClusterNetworks.Apply(ApproverOptions.Default, null, null, null, new List<string>());

        Assert.Empty(options.ApiServerNames);
        Assert.Empty(options.PodNetworks);
    }
}
