using k8s;
using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>Issue 7.2 through the running controller: the Node cache (list + watch) and the cluster's kubeadm-config
/// decide what a node may not claim, even when its own status lists it.</summary>
public class NodeAwareApprovalTests
{
    private static Task<V1CertificateSigningRequestCondition> DecidedAsync(IKubernetes admin, string name) =>
        ApiServerNameApprovalTests.DecidedAsync(admin, name);

    [Fact]
    public async Task A_node_cannot_claim_the_clusters_service_network_or_another_nodes_ip_even_in_its_own_status()
    {
        await using var cluster = await TestCluster.StartAsync();
        ApiServerNameApprovalTests.AddKubeadmConfig(
            cluster,
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: "
                + "10.200.0.0/16\n  dnsDomain: corp.example\n"
        );
        new SimulatedKubelet(cluster, "honest", ["10.5.0.2"]).RegisterNode();
        var liar = new SimulatedKubelet(cluster, "liar", ["10.5.0.1", "10.5.0.2"]);
        liar.RegisterNode();
        var service = new SimulatedKubelet(cluster, "svc-liar", ["10.5.0.3", "10.200.0.10"]);
        service.RegisterNode();
        var good = new SimulatedKubelet(cluster, "good", ["10.5.0.4"]);
        good.RegisterNode();
        var logs = new RecordingLoggerFactory();
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster), logs);
        var admin = cluster.Admin();

        var stolen = await DecidedAsync(admin, await liar.SubmitAsync());
        var serviceIp = await DecidedAsync(admin, await service.SubmitAsync());
        var own = await DecidedAsync(admin, await good.SubmitAsync());

        Assert.Equal("Denied", stolen.Type);
        Assert.Contains(
            "SansNotClaimedByOtherNodes: subjectAltNames [10.5.0.2 (also node \"honest\")]",
            stolen.Message
        );
        Assert.Equal("Denied", serviceIp.Type);
        Assert.Contains(
            "IpSansOutsideServiceNetwork: IP subjectAltNames [10.200.0.10 (in 10.200.0.0/16)]",
            serviceIp.Message
        );
        Assert.Equal("Approved", own.Type);
        Assert.Contains(
            logs.Lines,
            l => l.StartsWith("Warning: approver: no --allowed-ip-ranges", StringComparison.Ordinal)
        );
        Assert.Contains(
            logs.Lines,
            l => l.Contains("cluster domain corp.example (kubeadm-config read)", StringComparison.Ordinal)
        );
        // One list and one watch of Nodes, no request per CSR.
        var nodeRequests = cluster
            .Server.RequestLog.Where(r => r.Contains("/api/v1/nodes", StringComparison.Ordinal))
            .ToList();
        Assert.DoesNotContain(nodeRequests, r => r.StartsWith("GET /api/v1/nodes/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_operator_policy_no_warning_is_logged()
    {
        await using var cluster = await TestCluster.StartAsync();
        var logs = new RecordingLoggerFactory();
        var options = RunningController.Options(cluster) with
        {
            Approver = new ApproverOptions(
                [ApproverOptions.Pattern(@"[a-z0-9-]+\.nodes\.example")],
                [System.Net.IPNetwork.Parse("10.0.0.0/8")],
                TimeSpan.FromDays(365)
            ),
        };
        await using var controller = RunningController.Start(cluster.Admin(), options, logs);

        await Eventually.TrueAsync(() => controller.Host.Metrics.IsSynced, "the caches to sync");

        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Warning: approver:", StringComparison.Ordinal));
    }
}
