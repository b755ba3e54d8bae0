using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>One resource kind in memory with etcd's behaviour: a shared resourceVersion counter, optimistic
/// concurrency on update, and a change log that watches replay from a resourceVersion.</summary>
public sealed class ResourceTable<T>(ApiStore store, string resource)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> _log = [];
    private readonly List<(Func<WatchEvent, bool> Filter, ChannelWriter<WatchEvent> Writer)> _watchers = [];

    public string Resource { get; } = resource;

    public long CompactedBefore { get; set; }

    private static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    public static T Clone(T item) => ApiJson.Deserialize<T>(ApiJson.Serialize(item));

    public T? Get(string? ns, string name)
    {
        lock (store.Gate)
        {
            return _items.TryGetValue(Key(ns, name), out var item) ? Clone(item) : null;
        }
    }

    public (IReadOnlyList<T> Items, long ResourceVersion) List(string? ns)
    {
        lock (store.Gate)
        {
            var items = _items
                .Values.Where(i => ns is null || i.Metadata.NamespaceProperty == ns)
                .OrderBy(i => i.Metadata.Name, StringComparer.Ordinal)
                .Select(Clone)
                .ToList();
            return (items, store.ResourceVersion);
        }
    }

    private (long Version, string[] Keys) _sortedKeys = (-1, []);

    /// <summary>One page of a list (limit/continue, as kube-apiserver pages): the items after the key
    /// <paramref name="after"/> in key order, at most <paramref name="limit"/>, and the continue token (the last
    /// key) when more follow.</summary>
    public (IReadOnlyList<T> Items, long ResourceVersion, string? Continue) ListPage(
        string? ns,
        string? after,
        int limit
    )
    {
        lock (store.Gate)
        {
            if (_sortedKeys.Version != store.ResourceVersion)
            {
                var keys = _items.Keys.ToArray();
                Array.Sort(keys, StringComparer.Ordinal);
                _sortedKeys = (store.ResourceVersion, keys);
            }
            var all = _sortedKeys.Keys;
            var at = 0;
            if (after is not null)
            {
                at = Array.BinarySearch(all, after, StringComparer.Ordinal);
                at = at >= 0 ? at + 1 : ~at;
            }
            var items = new List<T>();
            string? last = null;
            for (; at < all.Length && items.Count < limit; at++)
            {
                var item = _items[all[at]];
                if (ns is null || item.Metadata.NamespaceProperty == ns)
                {
                    items.Add(Clone(item));
                    last = all[at];
                }
            }
            return (items, store.ResourceVersion, at < all.Length ? last : null);
        }
    }

    public T Create(T item, TimeProvider time)
    {
        lock (store.Gate)
        {
            var key = Key(item.Metadata.NamespaceProperty, item.Metadata.Name);
            if (_items.ContainsKey(key))
            {
                throw ApiError.AlreadyExists(Resource, item.Metadata.Name);
            }
            item.Metadata.Uid = Guid.NewGuid().ToString();
            item.Metadata.CreationTimestamp = TruncatedNow(time);
            return Commit(key, item, "ADDED");
        }
    }

    /// <summary>Replaces the stored object after <paramref name="mutate"/> has built the new one from (old, sent); a
    /// sent resourceVersion must match (AllowUnconditionalUpdate: an empty one always does).</summary>
    public T Update(string? ns, string name, T sent, Func<T, T, T> mutate)
    {
        lock (store.Gate)
        {
            var key = Key(ns, name);
            if (!_items.TryGetValue(key, out var old))
            {
                throw ApiError.NotFound(Resource, name);
            }
            var sentVersion = sent.Metadata?.ResourceVersion;
            if (!string.IsNullOrEmpty(sentVersion) && sentVersion != old.Metadata.ResourceVersion)
            {
                throw ApiError.Conflict(Resource, name);
            }
            var updated = mutate(Clone(old), sent);
            updated.Metadata.Name = old.Metadata.Name;
            updated.Metadata.NamespaceProperty = old.Metadata.NamespaceProperty;
            updated.Metadata.Uid = old.Metadata.Uid;
            updated.Metadata.CreationTimestamp = old.Metadata.CreationTimestamp;
            return Commit(key, updated, "MODIFIED");
        }
    }

    public T Delete(string? ns, string name)
    {
        lock (store.Gate)
        {
            var key = Key(ns, name);
            if (!_items.Remove(key, out var old))
            {
                throw ApiError.NotFound(Resource, name);
            }
            old.Metadata.ResourceVersion = (++store.ResourceVersion).ToString();
            Publish(new WatchEvent(store.ResourceVersion, "DELETED", key, ApiJson.Serialize(old)));
            return Clone(old);
        }
    }

    /// <summary>Starts a watch: the replayed backlog after <paramref name="fromVersion"/> (or synthetic ADDED events
    /// for
    /// everything when it is null/0), then live events. Null when the version was compacted away (410 Gone).</summary>
    public (IReadOnlyList<WatchEvent> Backlog, ChannelReader<WatchEvent> Live, Action Stop)? Watch(
        string? ns,
        long? fromVersion,
        Func<WatchEvent, bool> filter
    )
    {
        lock (store.Gate)
        {
            Func<WatchEvent, bool> inNamespace = e =>
                ns is null || e.Key.StartsWith(ns + "/", StringComparison.Ordinal);
            List<WatchEvent> backlog;
            if (fromVersion is null or 0)
            {
                backlog = _items
                    .Where(p => inNamespace(new WatchEvent(0, "", p.Key, "")))
                    .Select(p => new WatchEvent(
                        long.Parse(p.Value.Metadata.ResourceVersion),
                        "ADDED",
                        p.Key,
                        ApiJson.Serialize(p.Value)
                    ))
                    .Where(filter)
                    .ToList();
            }
            else if (fromVersion < CompactedBefore)
            {
                return null;
            }
            else
            {
                backlog = _log.Where(e => e.ResourceVersion > fromVersion && inNamespace(e) && filter(e)).ToList();
            }
            var channel = Channel.CreateUnbounded<WatchEvent>();
            var entry = ((Func<WatchEvent, bool>)(e => inNamespace(e) && filter(e)), channel.Writer);
            _watchers.Add(entry);
            return (
                backlog,
                channel.Reader,
                () =>
                {
                    lock (store.Gate)
                    {
                        _watchers.Remove(entry);
                    }
                    channel.Writer.TryComplete();
                }
            );
        }
    }

    /// <summary>Ends every open watch stream, as an API server does on timeout or restart.</summary>
    public void DropWatches()
    {
        lock (store.Gate)
        {
            foreach (var (_, writer) in _watchers)
            {
                writer.TryComplete();
            }
            _watchers.Clear();
        }
    }

    private T Commit(string key, T item, string type)
    {
        item.Metadata.ResourceVersion = (++store.ResourceVersion).ToString();
        // One serialization feeds the stored copy, the watch event and the returned copy.
        var json = ApiJson.Serialize(item);
        _items[key] = ApiJson.Deserialize<T>(json);
        Publish(new WatchEvent(store.ResourceVersion, type, key, json));
        return ApiJson.Deserialize<T>(json);
    }

    private void Publish(WatchEvent e)
    {
        _log.Add(e);
        foreach (var (filter, writer) in _watchers)
        {
            if (filter(e))
            {
                writer.TryWrite(e);
            }
        }
    }

    private static DateTime TruncatedNow(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
