using KubePki.Agent;

namespace KubePki.Controller.Tests.Agent;

/// <summary>The gate opens only when nobody else holds the slot, etcd is whole, this node is healthy and every other
/// control-plane node reported recently with nothing failed, unhealthy or half done.</summary>
public class ClusterGateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private static NodeReport Fine(AgentState state = AgentState.Idle) =>
        new()
        {
            State = state,
            Heartbeat = Now.AddSeconds(-10),
            Interval = TimeSpan.FromMinutes(1),
        };

    private static IReadOnlyList<NodeView> Nodes(NodeReport? n2, NodeReport? n3) =>
        [new("n1", Fine()), new("n2", n2), new("n3", n3)];

    [Fact]
    public void Opens_when_everything_is_fine()
    {
        var verdict = ClusterGate.Check("n1", Nodes(Fine(), Fine(AgentState.Pending)), SlotView.Free, null, null, Now);
        Assert.True(verdict.Open);
    }

    [Fact]
    public void A_slot_held_by_another_node_is_a_normal_wait()
    {
        var verdict = ClusterGate.Check("n1", Nodes(Fine(), Fine()), new SlotView("n2", false), null, null, Now);
        Assert.Equal((AgentState.Pending, "waiting: node n2 holds the slot"), (verdict.WaitState, verdict.Reason));
    }

    [Fact]
    public void A_lapsed_slot_or_our_own_does_not_hold_us()
    {
        Assert.True(ClusterGate.Check("n1", Nodes(Fine(), Fine()), new SlotView("n2", true), null, null, Now).Open);
        Assert.True(ClusterGate.Check("n1", Nodes(Fine(), Fine()), new SlotView("n1", false), null, null, Now).Open);
    }

    public static TheoryData<string, NodeReport?, string> Blocking() =>
        new()
        {
            { "no report", null, "waiting: node n2 has no report from its agent" },
            {
                "stale",
                Fine() with
                {
                    Heartbeat = Now.AddMinutes(-3).AddSeconds(-1),
                },
                "waiting: node n2 has not reported since 2026-12-07T01:56:59Z"
            },
            {
                "failed",
                Fine(AgentState.Failed) with
                {
                    Message = "\"kube-apiserver\" did not become healthy",
                },
                "waiting: node n2 failed: \"kube-apiserver\" did not become healthy"
            },
            { "renewing without the slot", Fine(AgentState.Renewing), "waiting: node n2 is renewing" },
            {
                "restarts left",
                Fine(AgentState.Blocked) with
                {
                    PendingRestarts = ["kube-scheduler"],
                },
                "waiting: node n2 has restarts left to do (kube-scheduler)"
            },
            {
                "unhealthy",
                Fine() with
                {
                    Healthy = false,
                    Unhealthy = "kube-apiserver unhealthy (x)",
                },
                "waiting: node n2: kube-apiserver unhealthy (x)"
            },
        };

    [Theory]
    [MemberData(nameof(Blocking))]
    public void Another_node_in_trouble_blocks(string why, NodeReport? n2, string reason)
    {
        var verdict = ClusterGate.Check("n1", Nodes(n2, Fine()), SlotView.Free, null, null, Now);
        Assert.True((AgentState.Blocked, reason) == (verdict.WaitState, verdict.Reason), $"{why}: {verdict}");
    }

    [Fact]
    public void An_etcd_problem_blocks_before_anything_else_but_the_slot()
    {
        var verdict = ClusterGate.Check(
            "n1",
            Nodes(null, Fine()),
            SlotView.Free,
            "etcd member n3 unhealthy",
            "kube-apiserver unhealthy",
            Now
        );
        Assert.Equal((AgentState.Blocked, "waiting: etcd member n3 unhealthy"), (verdict.WaitState, verdict.Reason));
    }

    [Fact]
    public void This_node_unhealthy_blocks()
    {
        var verdict = ClusterGate.Check("n1", Nodes(Fine(), Fine()), SlotView.Free, null, "etcd unhealthy (y)", Now);
        Assert.Equal("waiting: etcd unhealthy (y) on this node", verdict.Reason);
    }

    [Fact]
    public void Our_own_report_is_not_judged_by_the_gate()
    {
        IReadOnlyList<NodeView> nodes = [new("n1", Fine(AgentState.Failed)), new("n2", Fine())];
        Assert.True(ClusterGate.Check("n1", nodes, SlotView.Free, null, null, Now).Open);
    }
}
