using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubePki.Controller.Tests.Support;
using KubePki.InCluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.InCluster;

/// <summary>The shared list + watch loop against the test API server: a list, then the watch's events, and the
/// <see cref="ListWatch{TList, T}.Held"/> hook through which a component that already holds an object's version (its
/// own write, echoed by the watch) skips parsing it.</summary>
public class ListWatchTests
{
    private sealed class Recorder : IListWatchTarget<V1Node>
    {
        public ConcurrentQueue<string> Log { get; } = new();

        public ConcurrentQueue<(string Type, V1Node Node)> Events { get; } = new();

        public void ListStarted() => Log.Enqueue("start");

        public void Listed(V1Node item) => Log.Enqueue("listed " + item.Metadata.Name);

        public void ListDone() => Log.Enqueue("done");

        public void Changed(string type, V1Node item) => Events.Enqueue((type, item));
    }

    private static void Relabel(TestCluster cluster, string name, string value) =>
        cluster.Server.Store.Nodes.Update(
            null,
            name,
            new V1Node { Metadata = new V1ObjectMeta { Name = name } },
            (old, _) =>
            {
                old.Metadata.Labels = new Dictionary<string, string> { ["v"] = value };
                return old;
            }
        );

    [Fact]
    public async Task Lists_then_hands_out_events_and_the_held_stand_in_for_a_version_the_caller_holds()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.AddNode("a", ("InternalIP", "10.0.0.1"));
        cluster.Server.Store.AddNode("b", ("InternalIP", "10.0.0.2"));
        var client = cluster.Admin();
        var target = new Recorder();
        var stand = new V1Node { Metadata = new V1ObjectMeta { Name = "a" } };
        var loop = new ListWatch<V1NodeList, V1Node>(
            client,
            "Nodes",
            "api/v1/nodes",
            (token, limit, ct) =>
                client.CoreV1.ListNodeAsync(continueParameter: token, limit: limit, cancellationToken: ct),
            KubeJson.ReadNode,
            target,
            NullLogger.Instance,
            TimeProvider.System
        )
        {
            // The caller holds every version of "a": its events come as the stand-in, never parsed.
            Held = (name, version) => name == "a" ? stand : null,
        };
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => target.Log.Contains("done"), "the first list");

        Relabel(cluster, "a", "1");
        Relabel(cluster, "b", "1");
        await Eventually.TrueAsync(() => target.Events.Count >= 2, "both changes to be watched");
        await stop.CancelAsync();
        await running;

        Assert.Equal(["start", "listed a", "listed b", "done"], target.Log);
        var events = target.Events.ToList();
        Assert.Equal("MODIFIED", events[0].Type);
        Assert.Same(stand, events[0].Node);
        Assert.Equal("MODIFIED", events[1].Type);
        Assert.Equal("b", events[1].Node.Metadata.Name);
        Assert.Equal("1", events[1].Node.Metadata.Labels["v"]);
    }
}
