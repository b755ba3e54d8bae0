using System.Text.Json.Nodes;
using KubePki.Agent;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Agent;

public class NodeReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_report_survives_the_annotation_round_trip()
    {
        var report = new NodeReport
        {
            State = AgentState.Failed,
            Message = "m",
            Heartbeat = Now,
            Interval = TimeSpan.FromSeconds(90),
            EarliestExpiry = Now.AddDays(3),
            LastRenewal = null,
            Healthy = false,
            Unhealthy = "etcd unhealthy",
            PendingRestarts = ["kube-apiserver", "kube-scheduler"],
            HandledRequest = "2026-12-07T01:00:00.0000000Z",
            Renewals = 4,
            Failures = 2,
        };
        var back = NodeReport.FromJson(report.ToJson())!;
        Assert.Equal(report with { PendingRestarts = [] }, back with { PendingRestarts = [] });
        Assert.Equal(report.PendingRestarts, back.PendingRestarts);
        Assert.Null(JsonNode.Parse(report.ToJson())!["lastRenewal"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void What_is_not_a_report_reads_as_none(string? text) => Assert.Null(NodeReport.FromJson(text));

    [Fact]
    public void A_report_is_stale_after_three_intervals()
    {
        var report = new NodeReport { Heartbeat = Now, Interval = TimeSpan.FromMinutes(5) };
        Assert.False(report.IsStale(Now.AddMinutes(15)));
        Assert.True(report.IsStale(Now.AddMinutes(15).AddSeconds(1)));
    }

    [Fact]
    public void Status_is_not_ok_when_a_node_failed_is_blocked_or_has_no_live_agent()
    {
        NodeReport Report(AgentState state) =>
            new()
            {
                State = state,
                Heartbeat = Now,
                Interval = TimeSpan.FromMinutes(1),
            };
        ClusterStatus Status(params NodeView[] nodes) => ClusterStatus.From(nodes, SlotView.Free, Now);
        Assert.True(
            Status(new NodeView("a", Report(AgentState.Idle)), new NodeView("b", Report(AgentState.Pending))).Ok
        );
        Assert.True(Status(new NodeView("a", Report(AgentState.Renewing))).Ok);
        Assert.False(
            Status(new NodeView("a", Report(AgentState.Idle)), new NodeView("b", Report(AgentState.Failed))).Ok
        );
        Assert.False(Status(new NodeView("a", Report(AgentState.Blocked))).Ok);
        Assert.False(Status(new NodeView("a", null)).Ok);
        var stale = Status(new NodeView("a", Report(AgentState.Idle) with { Heartbeat = Now.AddMinutes(-4) }));
        Assert.False(stale.Ok);
        Assert.Equal("Unknown", stale.Nodes[0].State);
        Assert.StartsWith("no report since 2026-12-07T01:56:00Z (last: Idle", stale.Nodes[0].Message);
    }

    [Fact]
    public void Metrics_give_expiry_counters_and_one_state_and_promtool_accepts_them()
    {
        var report = new NodeReport
        {
            State = AgentState.Blocked,
            EarliestExpiry = Now.AddSeconds(3600),
            Renewals = 3,
            Failures = 1,
        };
        var text = AgentMetrics.Render("n\"1", report, Now);
        Assert.Contains("kubepki_agent_earliest_expiry_seconds{node=\"n\\\"1\"} 3600\n", text);
        Assert.Contains("kubepki_agent_renewals_total{node=\"n\\\"1\"} 3\n", text);
        Assert.Contains("kubepki_agent_failures_total{node=\"n\\\"1\"} 1\n", text);
        Assert.Contains("kubepki_agent_state{node=\"n\\\"1\",state=\"Blocked\"} 1\n", text);
        Assert.Equal(4, text.Split('\n').Count(l => l.StartsWith("kubepki_agent_state{") && l.EndsWith(" 0")));
        AssertPromtoolAccepts(text);
    }

    internal static void AssertPromtoolAccepts(string text)
    {
        using var dir = new TempDir("agent-metrics");
        File.WriteAllText(dir.Combine("metrics.txt"), text);
        var promtool = ExternalTool.Run("sh", ["-c", "promtool check metrics < metrics.txt"], dir.Path);
        Assert.True(promtool.ExitCode == 0 && promtool.All.Trim().Length == 0, promtool.All);
    }
}
