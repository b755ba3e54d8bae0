using System.Diagnostics;
using KubePki.Agent;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Agent;

/// <summary>What holds the rollout, on three nodes with a real etcd: the maintenance window, an etcd member down, an
/// agent killed (-9) while its node's component is stopped and kept dead past its Lease, and a node whose
/// kube-apiserver does not come back after its restart — until an operator repairs it, after which that node finishes
/// (its controller-manager and scheduler restarted too) and the rollout completes by itself.</summary>
[Collection(ControlPlaneClusterCollection.Name)]
public sealed class AgentHoldTests
{
    private static readonly TimeSpan Phase = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_window_etcd_a_dead_holder_and_a_failed_node_each_hold_the_rollout_until_resolved()
    {
        await using var rig = await AgentRig.StartAsync();

        // 1. Outside the maintenance window nothing happens, and the status says why.
        var now = DateTime.UtcNow;
        var begin = DateTime.UtcNow;
        rig.StartAgents(
            "--start-time",
            now.AddHours(2).ToString("HH:mm"),
            "--end-time",
            now.AddHours(3).ToString("HH:mm")
        );
        await rig.WaitAsync(
            r => r.Values.All(v => v is { State: AgentState.Pending } && v.Message.Contains("maintenance window")),
            "every agent waiting for its window",
            Phase
        );
        await rig.EveryAgentLookedAsync();
        Assert.All(rig.PodEventsSince(begin), p => Assert.Empty(p.Value));
        rig.KillAgents();

        // 2. With an etcd member down nothing restarts anywhere.
        var n3 = rig.Cluster["n3"];
        await rig.Cluster.StopEtcdAsync(n3);
        var etcdDown = DateTime.UtcNow;
        rig.StartAgents();
        await rig.WaitAsync(
            r =>
                r.Where(p => p.Key != "n3")
                    .All(p =>
                        p.Value is { State: AgentState.Blocked } v && v.Message == "waiting: etcd member n3 unhealthy"
                    ),
            "n1 and n2 blocked by etcd",
            Phase
        );
        await rig.EveryAgentLookedAsync();
        Assert.All(rig.PodEventsSince(etcdDown), p => Assert.Empty(p.Value));
        var status = rig.Kubepki("cluster", "status");
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("waiting: etcd member n3 unhealthy", status.Out);

        // 3. kill -9 of the slot holder while one of its components is stopped: kept dead past the Lease, no other
        // node moves.
        var holder = await KillHolderWhileStoppedAsync(rig, () => rig.Cluster.StartEtcdAsync(n3));
        var others = rig.Cluster.NodeNames.Where(n => n != holder.Node).ToList();
        var killed = DateTime.UtcNow;
        await Task.Delay(AgentRig.LeaseDuration * 2);
        await rig.WaitAsync(
            r => others.All(o => r[o] is { State: AgentState.Blocked } v && v.Message.Contains(holder.Node)),
            "the others blocked by the dead holder",
            Phase
        );
        Assert.All(rig.PodEventsSince(killed).Where(p => p.Key != holder.Node), p => Assert.Empty(p.Value));
        Assert.False(File.Exists(holder.StoppedManifest), "the stopped component was started without its agent");

        // 4. The next node's kube-apiserver will not come back. The holder's agent restarts, puts its manifest back
        // and finishes its node.
        foreach (var other in others)
        {
            rig.Cluster[other].BreakApiServer();
        }
        rig.StartAgent(holder.Node);
        var failed = await rig.WaitAsync(
            r =>
                r[holder.Node] is { State: AgentState.Idle, Renewals: 1 }
                && others.Any(o => r[o]?.State == AgentState.Failed),
            "the holder done and the next node failed",
            Phase
        );
        var broken = others.Single(o => failed[o]!.State == AgentState.Failed);
        var blocked = others.Single(o => o != broken);
        Assert.Contains("\"kube-apiserver\" did not become healthy within 15s", failed[broken]!.Message);
        Assert.Equal(["kube-apiserver", "kube-controller-manager", "kube-scheduler"], failed[broken]!.PendingRestarts);
        var failedAt = DateTime.UtcNow;
        await rig.WaitAsync(
            r =>
                r[blocked] is { State: AgentState.Blocked } v
                && v.Message == $"waiting: node {broken} failed: {failed[broken]!.Message}",
            "the last node blocked by the failed one",
            Phase
        );
        await rig.EveryAgentLookedAsync();
        Assert.Empty(rig.PodEventsSince(failedAt)[blocked]);
        Assert.Equal(1, rig.Kubepki("cluster", "status").ExitCode);
        Assert.Contains(rig.Api.Server.Store.EventsAbout("Node", broken), e => e.Reason == "CertificateRenewalFailed");

        // 5. The operator repairs it: that node finishes (controller-manager and scheduler too), then the last one.
        var repaired = DateTime.UtcNow;
        rig.Cluster[broken].RepairApiServer();
        rig.Cluster[blocked].RepairApiServer();
        var done = await rig.WaitAsync(
            r => r.Values.All(v => v is { State: AgentState.Idle, Renewals: 1 }),
            "the rollout completed after the repair",
            Phase
        );
        Assert.Equal(1, done[broken]!.Failures);
        var afterRepair = rig.PodEventsSince(repaired)[broken];
        foreach (var component in new[] { "kube-controller-manager", "kube-scheduler" })
        {
            Assert.Contains(afterRepair, e => e.Pod == component && e.What == "stopped");
            Assert.Contains(afterRepair, e => e.Pod == component && e.What == "started");
        }
        Assert.Equal(0, rig.Kubepki("cluster", "status").ExitCode);
    }

    /// <summary>Lets the rollout start (by <paramref name="release"/>), waits until a node's agent has moved a
    /// manifest out (the component is stopped) and kills that agent with SIGKILL at once.</summary>
    private static async Task<(string Node, string StoppedManifest)> KillHolderWhileStoppedAsync(
        AgentRig rig,
        Func<Task> release
    )
    {
        var watch = Stopwatch.StartNew();
        var releasing = release();
        while (watch.Elapsed < Phase)
        {
            foreach (var node in rig.Cluster.Nodes)
            {
                foreach (var manifest in new[] { "etcd.yaml", "kube-apiserver.yaml" })
                {
                    var path = Path.Combine(node.ManifestsDir, manifest);
                    if (!File.Exists(path) && !File.Exists(Path.Combine(node.HeldDir, manifest)))
                    {
                        rig.KillAgent(node.Name);
                        await releasing;
                        return (node.Name, path);
                    }
                }
            }
            await Task.Delay(10);
        }
        throw new TimeoutException("no agent moved a manifest out\n" + rig.AgentLogs);
    }
}
