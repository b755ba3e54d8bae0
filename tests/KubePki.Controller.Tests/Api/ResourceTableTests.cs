namespace KubePki.Controller.Tests.Api;

/// <summary>The test API server's store keeps a bounded change log, as etcd compacts: a watch resuming from a version
/// still in the log replays what followed it, one from before the log is 410 Gone.</summary>
public class ResourceTableTests
{
    [Fact]
    public void Old_changes_are_compacted_and_a_watch_from_before_them_is_gone()
    {
        var store = new ApiStore();
        var first = store.AddConfigMap("ns", "cm-0", new Dictionary<string, string>());
        for (var i = 1; i < ResourceTable<k8s.Models.V1ConfigMap>.LogCapacity + 10; i++)
        {
            store.AddConfigMap("ns", $"cm-{i}", new Dictionary<string, string>());
        }
        var latest = store.ResourceVersion;

        Assert.Null(store.ConfigMaps.Watch(null, long.Parse(first.Metadata.ResourceVersion), _ => true));
        var recent = store.ConfigMaps.Watch("ns", latest - 5, _ => true);
        Assert.NotNull(recent);
        Assert.Equal(
            [latest - 4, latest - 3, latest - 2, latest - 1, latest],
            recent.Value.Backlog.Select(e => e.ResourceVersion)
        );
        recent.Value.Stop();
    }
}
