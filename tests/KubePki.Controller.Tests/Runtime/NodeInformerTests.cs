using k8s.Models;
using KubePki.Controller.Runtime;
using KubePki.Controller.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>The Node cache against the test API server: a kubelet's status report that keeps the Node's addresses
/// must not make the approver rebuild its index of every Node (in a large cluster those reports arrive all the
/// time); a change of address must.</summary>
public class NodeInformerTests
{
    private static void Report(TestCluster cluster, string name, Action<V1Node> change) =>
        cluster.Server.Store.Nodes.Update(
            null,
            name,
            new V1Node { Metadata = new V1ObjectMeta { Name = name } },
            (old, _) =>
            {
                change(old);
                return old;
            }
        );

    [Fact]
    public async Task Status_reports_with_the_same_addresses_leave_the_set_and_an_address_change_rebuilds_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.AddNode("a", ("InternalIP", "10.0.0.1"), ("Hostname", "a"));
        cluster.Server.Store.AddNode("b", ("InternalIP", "10.0.0.2"), ("Hostname", "b"));
        var nodes = new NodeInformer(new KubeCsrApi(cluster.Admin()), NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var running = nodes.RunAsync(stop.Token);
        await nodes.Synced.WaitAsync(TimeSpan.FromSeconds(30));
        var before = nodes.Current;
        var changes = nodes.Changes;

        for (var beat = 0; beat < 3; beat++)
        {
            Report(
                cluster,
                "a",
                node =>
                    node.Status.Conditions = [
                        new V1NodeCondition
                        {
                            Type = "Ready",
                            Status = "True",
                            LastHeartbeatTime = DateTime.UtcNow.AddSeconds(beat),
                        },
                    ]
            );
        }
        // An address change after the reports: once it is seen, so were they (one watch, in order).
        Report(cluster, "b", node => node.Status.Addresses[0].Address = "10.0.0.3");
        await Eventually.TrueAsync(
            () => nodes.Current.Find("b")?.Addresses[0].Address == "10.0.0.3",
            "the address change to reach the cache"
        );

        Assert.Equal(changes + 1, nodes.Changes);
        Assert.NotSame(before, nodes.Current);
        Assert.Equal(["a"], nodes.Current.OthersListing(System.Net.IPAddress.Parse("10.0.0.1"), "b"));
        Assert.Empty(nodes.Current.OthersListing(System.Net.IPAddress.Parse("10.0.0.2"), "a"));
        await stop.CancelAsync();
        await running;
    }
}
