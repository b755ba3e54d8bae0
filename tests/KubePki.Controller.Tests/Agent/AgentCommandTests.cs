using KubePki.Agent;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Agent;

/// <summary>The agent's and <c>cluster</c> commands' bad input and what they print, against the test API
/// server.</summary>
public sealed class AgentCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private TestCluster _api = null!;
    private readonly TempDir _node = new("agent-node");

    public async Task InitializeAsync()
    {
        _api = await TestCluster.StartAsync();
        Directory.CreateDirectory(_node.Combine("kubernetes", "manifests"));
        File.WriteAllText(
            _node.Combine("kubelet-config.yaml"),
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nfileCheckFrequency: 1s\n"
        );
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _node.Dispose();
    }

    private string[] NodeFlags =>
        [
            "--kubeconfig",
            _api.AdminConf,
            "--kubeconfig-dir",
            _node.Combine("kubernetes"),
            "--cert-dir",
            _node.Combine("kubernetes", "pki"),
            "--manifests-dir",
            _node.Combine("kubernetes", "manifests"),
            "--kubelet-config",
            _node.Combine("kubelet-config.yaml"),
            "--metrics-bind-address",
            "0",
        ];

    private static void OneLine(CliRunner.Result result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: " + expected, result.Error.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("--interval", "5x", "--interval")]
    [InlineData("--renew-before", "-1h", "--renew-before")]
    [InlineData("--lease-duration", "0s", "--lease-duration")]
    [InlineData("--restart-timeout", "soon", "--restart-timeout")]
    [InlineData("--start-time", "25:00", "--start-time 25:00: not a time of day (HH:MM, 24-hour)")]
    [InlineData("--time-zone", "Mars/Olympus", "--time-zone Mars/Olympus: unknown time zone")]
    [InlineData("--days", "someday", "--days someday: \"someday\" is not a day (mon, tue, wed, thu, fri, sat, sun)")]
    public void A_bad_flag_is_one_line_naming_it(string flag, string value, string expected)
    {
        var result = CliRunner.Run(["agent", "--node-name", "n1", .. NodeFlags, flag, value]);
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: " + expected, line);
    }

    [Fact]
    public void A_node_that_is_not_a_control_plane_node_of_the_cluster_is_refused()
    {
        OneLine(CliRunner.Run(["agent", "--node-name", "ghost", .. NodeFlags]), "--node-name ghost: no such Node");
        _api.Server.Store.AddNode("worker", ("InternalIP", "10.0.0.9"));
        OneLine(
            CliRunner.Run(["agent", "--node-name", "worker", .. NodeFlags]),
            "--node-name worker: the Node is not labelled node-role.kubernetes.io/control-plane"
        );
    }

    [Fact]
    public void Renew_without_control_plane_nodes_says_so() =>
        OneLine(
            CliRunner.Run(["cluster", "renew", "--kubeconfig", _api.AdminConf]),
            "no Node is labelled node-role.kubernetes.io/control-plane"
        );

    [Fact]
    public void Status_prints_a_row_per_node_and_fails_while_one_failed_or_has_no_agent()
    {
        Add(
            "n1",
            new NodeReport
            {
                State = AgentState.Idle,
                LastRenewal = Now.AddDays(-1),
                EarliestExpiry = Now.AddDays(364),
            }
        );
        Add(
            "n2",
            new NodeReport
            {
                State = AgentState.Failed,
                Message = "\"kube-apiserver\" did not become healthy within 5m0s",
            }
        );
        Add("n3", null);

        var table = CliRunner.Run(["cluster", "status", "--kubeconfig", _api.AdminConf]);

        Assert.Equal(1, table.ExitCode);
        var lines = table.Out.Split('\n');
        Assert.Matches(@"^NODE\s+STATE\s+EARLIEST EXPIRY\s+LAST RENEWAL\s+MESSAGE$", lines[0]);
        Assert.Matches(@"^n1\s+Idle\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$", lines[1]);
        Assert.Matches("^n2\\s+Failed\\s+.*\"kube-apiserver\" did not become healthy within 5m0s$", lines[2]);
        Assert.Matches(
            @"^n3\s+Unknown\s+<unknown>\s+<never>\s+no report: is kubepki agent running on this node\?$",
            lines[3]
        );
        Assert.Contains("Slot holder: <none>", table.Out);

        Add("n2", new NodeReport { State = AgentState.Idle });
        Add("n3", new NodeReport { State = AgentState.Pending, Message = "waiting: node n1 holds the slot" });
        var json = CliRunner.Run(["cluster", "status", "--kubeconfig", _api.AdminConf, "-o", "json"]);
        Assert.True(json.ExitCode == 0, json.All);
        Assert.Contains("\"state\": \"Pending\"", json.Out);
        Assert.Contains("\"lastRenewal\": null", json.Out);
    }

    [Fact]
    public void Renew_asks_every_control_plane_node()
    {
        Add("n1", null);
        Add("n2", null);
        var result = CliRunner.Run(["cluster", "renew", "--kubeconfig", _api.AdminConf]);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(
            "[cluster] Requested a renewal of n1, n2; the agents renew one node at a time "
                + "(see 'kubepki cluster status')",
            result.Out.TrimEnd('\n')
        );
        foreach (var name in new[] { "n1", "n2" })
        {
            var node = _api.Server.Store.Nodes.Get(null, name)!;
            Assert.True(DateTimeOffset.TryParse(node.Metadata.Annotations[NodeReport.RequestAnnotation], out _));
        }
    }

    private void Add(string name, NodeReport? report)
    {
        var heartbeat = report is null ? null : report with { Heartbeat = Now, Interval = TimeSpan.FromMinutes(5) };
        var node =
            _api.Server.Store.Nodes.Get(null, name) ?? ControlPlaneObjects.AddNode(_api.Server.Store, name, "10.0.0.1");
        if (heartbeat is not null)
        {
            node.Metadata.Annotations ??= new Dictionary<string, string>();
            node.Metadata.Annotations[NodeReport.Annotation] = heartbeat.ToJson();
            _api.Server.Store.Nodes.Update(null, name, node, (_, sent) => sent);
        }
    }
}
