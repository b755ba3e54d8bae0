using System.Text.Json.Nodes;
using KubePki.Agent;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.Crypto;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Agent;

/// <summary><c>kubepki agent</c> on three control-plane nodes with a real 3-member etcd: due certificates renewed on
/// every node, one node at a time, etcd writable throughout, nothing more afterwards, <c>cluster renew</c> on demand,
/// and deploy/agent's RBAC both sufficient and entirely used.</summary>
[Collection(ControlPlaneClusterCollection.Name)]
public sealed class AgentRolloutTests
{
    private static readonly TimeSpan Rollout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Due_certificates_are_renewed_node_by_node_with_etcd_writable_then_again_on_request()
    {
        await using var rig = await AgentRig.StartAsync();
        var begin = DateTime.UtcNow;
        await using var writer = rig.Cluster.StartEtcdWriter();
        var metrics = $"127.0.0.1:{FreePort.On("127.0.0.1")}";
        rig.StartAgent("n1", metrics);
        rig.StartAgent("n2");
        rig.StartAgent("n3");

        await rig.WaitAsync(
            r => r.Values.All(v => v is { State: AgentState.Idle, Renewals: 1 }),
            "every node renewed once",
            Rollout
        );
        var writes = await writer.StopAsync();

        Assert.True(writes.SuccessRatio >= 0.9, writes.ToString());
        Assert.True(EtcdWriter.LongestFailureRun(writes.Writes) <= TimeSpan.FromSeconds(6), writes.ToString());
        Assert.True(writes.AllSuccessfulWritesReadable, writes.ToString());
        AssertOneNodeAtATime(rig, begin);
        foreach (var node in rig.Cluster.Nodes)
        {
            var soonest = ExpiresSoonest(node);
            Assert.True(soonest > DateTimeOffset.UtcNow.AddDays(300), $"{node.Name}: {soonest}");
            var reasons = rig.Api.Server.Store.EventsAbout("Node", node.Name).Select(e => e.Reason).ToList();
            Assert.Contains("CertificateRenewalStarted", reasons);
            Assert.Contains("CertificateRenewalFinished", reasons);
        }

        // No renewal loop: every agent looks again twice and the kubelets have nothing to do.
        var settled = DateTime.UtcNow;
        await rig.EveryAgentLookedAsync();
        Assert.All(rig.PodEventsSince(settled), p => Assert.Empty(p.Value));
        Assert.All((await rig.ReportsAsync()).Values, r => Assert.Equal((AgentState.Idle, 1L), (r!.State, r.Renewals)));

        using (var http = new HttpClient())
        {
            Assert.Equal("ok", await http.GetStringAsync($"http://{metrics}/healthz"));
            var text = await http.GetStringAsync($"http://{metrics}/metrics");
            Assert.Contains("kubepki_agent_renewals_total{node=\"n1\"} 1\n", text);
            Assert.Contains("kubepki_agent_failures_total{node=\"n1\"} 0\n", text);
            Assert.Contains("kubepki_agent_state{node=\"n1\",state=\"Idle\"} 1\n", text);
            var expiry = text.Split('\n')
                .Single(l => l.StartsWith("kubepki_agent_earliest_expiry_seconds{", StringComparison.Ordinal));
            Assert.True(long.Parse(expiry[(expiry.LastIndexOf(' ') + 1)..]) > 300L * 24 * 3600, expiry);
            NodeReportTests.AssertPromtoolAccepts(text);
        }

        var status = rig.Kubepki("cluster", "status", "-o", "json");
        Assert.True(status.ExitCode == 0, status.All);
        var json = JsonNode.Parse(status.Out)!;
        Assert.Null((string?)json["holder"]);
        Assert.Equal(["n1", "n2", "n3"], json["nodes"]!.AsArray().Select(n => (string)n!["node"]!).ToArray());
        Assert.All(json["nodes"]!.AsArray(), n => Assert.Equal("Idle", (string?)n!["state"]));
        Assert.All(json["nodes"]!.AsArray(), n => Assert.NotNull((string?)n!["lastRenewal"]));

        // On request: everything again, one node at a time, whatever is due.
        var requested = DateTime.UtcNow;
        var renew = rig.Kubepki("cluster", "renew");
        Assert.True(renew.ExitCode == 0, renew.All);
        await rig.WaitAsync(
            r => r.Values.All(v => v is { State: AgentState.Idle, Renewals: 2 }),
            "every node renewed again on request",
            Rollout
        );
        AssertOneNodeAtATime(rig, requested);

        var agentUser = AgentRig.Manifests.ControllerUser;
        Assert.Empty(rig.Authorizer.Denied.Where(d => d.User.Name == agentUser).Select(d => d.Attributes));
        var granted = AgentRig
            .Manifests.Rules.SelectMany(r =>
                r.Rule.Verbs.SelectMany(verb =>
                    (r.Rule.ResourceNames ?? [null!]).Select(name =>
                        RbacAuthorizer.GrantKey(r.Role, r.Index, verb, name)
                    )
                )
            )
            .Order()
            .ToList();
        // Least privilege: every verb of every rule was needed by the agents.
        Assert.Equal(granted, rig.Authorizer.Used.Keys.Where(granted.Contains).Order().ToList());
    }

    /// <summary>Each node's restart window (its kubelet's first stop to its last start since <paramref
    /// name="since"/>) overlaps no other node's.</summary>
    private static void AssertOneNodeAtATime(AgentRig rig, DateTime since)
    {
        var windows = rig.PodEventsSince(since)
            .Select(p =>
                (
                    Node: p.Key,
                    From: p.Value.Where(e => e.What == "stopped").Select(e => e.At).DefaultIfEmpty().Min(),
                    To: p.Value.Where(e => e.What == "started").Select(e => e.At).DefaultIfEmpty().Max()
                )
            )
            .OrderBy(w => w.From)
            .ToList();
        Assert.All(windows, w => Assert.True(w.From != default && w.To > w.From, $"{w.Node} restarted nothing"));
        for (var i = 1; i < windows.Count; i++)
        {
            Assert.True(
                windows[i].From > windows[i - 1].To,
                $"{windows[i - 1].Node} restarted until {windows[i - 1].To:O}, "
                    + $"{windows[i].Node} from {windows[i].From:O}"
            );
        }
    }

    private static DateTimeOffset ExpiresSoonest(ControlPlaneNode node) =>
        Directory
            .EnumerateFiles(node.CertDir, "*.crt", SearchOption.AllDirectories)
            .Where(f =>
                !Path.GetFileName(f).StartsWith("ca", StringComparison.Ordinal)
                && !Path.GetFileName(f).StartsWith("front-proxy-ca", StringComparison.Ordinal)
            )
            .Select(f => new DateTimeOffset(
                PemCodec.DecodeCertificate(File.ReadAllText(f), f).NotAfter.ToUniversalTime()
            ))
            .Min();
}
