using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>One resource kind in memory with etcd's behaviour: a shared resourceVersion counter, optimistic
/// concurrency on update, and a change log that watches replay from a resourceVersion, compacted as etcd compacts
/// (a watch from before the oldest kept change gets 410 Gone).</summary>
/// <remarks>Each object is kept as the UTF-8 JSON it was committed as, serialized once: that one copy is the stored
/// object, the watch event's object and the response body. Readers get a fresh object parsed from it.</remarks>
public sealed class ResourceTable<T>(ApiStore store, string resource)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Changes kept for watches resuming from a resourceVersion; older ones are compacted away.</summary>
    public const int LogCapacity = 10_000;

    private readonly Dictionary<string, Stored> _items = new(StringComparer.Ordinal);
    private readonly Queue<WatchEvent> _log = new();
    private readonly List<(Func<WatchEvent, bool> Filter, ChannelWriter<WatchEvent> Writer)> _watchers = [];

    private sealed record Stored(long Version, string? Namespace, byte[] Json);

    public string Resource { get; } = resource;

    /// <summary>The resourceVersion of the newest change compacted away: a watch from before it is 410 Gone.</summary>
    public long CompactedBefore { get; set; }

    private static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    private static T Read(Stored stored) => ApiJson.Deserialize<T>(stored.Json);

    public T? Get(string? ns, string name) => GetJson(ns, name) is { } json ? ApiJson.Deserialize<T>(json) : null;

    /// <summary>The stored object's JSON (never to be changed), or null when there is none.</summary>
    public byte[]? GetJson(string? ns, string name)
    {
        lock (store.Gate)
        {
            return _items.TryGetValue(Key(ns, name), out var item) ? item.Json : null;
        }
    }

    /// <summary><see cref="ListJson"/> as objects.</summary>
    public (IReadOnlyList<T> Items, long ResourceVersion) List(string? ns)
    {
        var (items, version) = ListJson(ns);
        return (items.Select(ApiJson.Deserialize<T>).ToList(), version);
    }

    /// <summary>Every object's stored JSON in key order, and the list's resourceVersion.</summary>
    public (IReadOnlyList<byte[]> Items, long ResourceVersion) ListJson(string? ns)
    {
        lock (store.Gate)
        {
            var items = _items
                .Where(p => ns is null || p.Value.Namespace == ns)
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => p.Value.Json)
                .ToList();
            return (items, store.ResourceVersion);
        }
    }

    private (long Version, string[] Keys) _sortedKeys = (-1, []);

    /// <summary>One page of a list (limit/continue, as kube-apiserver pages): the items after the key
    /// <paramref name="after"/> in key order, at most <paramref name="limit"/>, and the continue token (the last
    /// key) when more follow. Items are the stored JSON.</summary>
    public (IReadOnlyList<byte[]> Items, long ResourceVersion, string? Continue) ListPageJson(
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
            var items = new List<byte[]>();
            string? last = null;
            for (; at < all.Length && items.Count < limit; at++)
            {
                var item = _items[all[at]];
                if (ns is null || item.Namespace == ns)
                {
                    items.Add(item.Json);
                    last = all[at];
                }
            }
            return (items, store.ResourceVersion, at < all.Length ? last : null);
        }
    }

    /// <summary><see cref="ListPageJson"/> as objects.</summary>
    public (IReadOnlyList<T> Items, long ResourceVersion, string? Continue) ListPage(
        string? ns,
        string? after,
        int limit
    )
    {
        var (items, version, next) = ListPageJson(ns, after, limit);
        return (items.Select(ApiJson.Deserialize<T>).ToList(), version, next);
    }

    public T Create(T item, TimeProvider time) => ApiJson.Deserialize<T>(CreateJson(item, time));

    /// <summary>Creates <paramref name="item"/> (its uid, creation time and resourceVersion are set here); returns the
    /// stored JSON.</summary>
    public byte[] CreateJson(T item, TimeProvider time)
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

    public T Update(string? ns, string name, T sent, Func<T, T, T> mutate) =>
        ApiJson.Deserialize<T>(UpdateJson(ns, name, sent, mutate));

    /// <summary>Replaces the stored object after <paramref name="mutate"/> has built the new one from (old, sent); a
    /// sent resourceVersion must match (AllowUnconditionalUpdate: an empty one always does). <paramref name="mutate"/>
    /// gets a fresh copy of the stored object, free to change. Returns the stored JSON.</summary>
    public byte[] UpdateJson(string? ns, string name, T sent, Func<T, T, T> mutate) =>
        UpdateJson(ns, name, sent, mutate, unchangedIsNoOp: false);

    /// <summary><see cref="UpdateJson(string?, string, T, Func{T, T, T})"/>; with <paramref name="unchangedIsNoOp"/>
    /// an update that changes nothing writes nothing (no new resourceVersion, no watch event), as etcd3's store skips
    /// a no-op update.</summary>
    public byte[] UpdateJson(string? ns, string name, T sent, Func<T, T, T> mutate, bool unchangedIsNoOp)
    {
        lock (store.Gate)
        {
            var key = Key(ns, name);
            if (!_items.TryGetValue(key, out var stored))
            {
                throw ApiError.NotFound(Resource, name);
            }
            var sentVersion = sent.Metadata?.ResourceVersion;
            if (!string.IsNullOrEmpty(sentVersion) && sentVersion != stored.Version.ToString())
            {
                throw ApiError.Conflict(Resource, name);
            }
            var old = Read(stored);
            var (oldName, oldNamespace, uid, created) = (
                old.Metadata.Name,
                old.Metadata.NamespaceProperty,
                old.Metadata.Uid,
                old.Metadata.CreationTimestamp
            );
            var updated = mutate(old, sent);
            updated.Metadata.Name = oldName;
            updated.Metadata.NamespaceProperty = oldNamespace;
            updated.Metadata.Uid = uid;
            updated.Metadata.CreationTimestamp = created;
            if (unchangedIsNoOp)
            {
                updated.Metadata.ResourceVersion = stored.Version.ToString();
                if (ApiJson.SerializeToUtf8(updated).AsSpan().SequenceEqual(stored.Json))
                {
                    return stored.Json;
                }
            }
            return Commit(key, updated, "MODIFIED");
        }
    }

    public T Delete(string? ns, string name)
    {
        lock (store.Gate)
        {
            var key = Key(ns, name);
            if (!_items.Remove(key, out var stored))
            {
                throw ApiError.NotFound(Resource, name);
            }
            var old = Read(stored);
            old.Metadata.ResourceVersion = (++store.ResourceVersion).ToString();
            Publish(new WatchEvent(store.ResourceVersion, "DELETED", key, ApiJson.SerializeToUtf8(old)));
            return old;
        }
    }

    /// <summary>Starts a watch: the replayed backlog after <paramref name="fromVersion"/> (or synthetic ADDED events
    /// for everything when it is null/0), then live events. Null when the version was compacted away (410
    /// Gone).</summary>
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
                    .Where(p => ns is null || p.Value.Namespace == ns)
                    .Select(p => new WatchEvent(p.Value.Version, "ADDED", p.Key, p.Value.Json))
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
            var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
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

    private byte[] Commit(string key, T item, string type)
    {
        item.Metadata.ResourceVersion = (++store.ResourceVersion).ToString();
        var json = ApiJson.SerializeToUtf8(item);
        _items[key] = new Stored(store.ResourceVersion, item.Metadata.NamespaceProperty, json);
        Publish(new WatchEvent(store.ResourceVersion, type, key, json));
        return json;
    }

    private void Publish(WatchEvent e)
    {
        _log.Enqueue(e);
        while (_log.Count > LogCapacity)
        {
            CompactedBefore = _log.Dequeue().ResourceVersion;
        }
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
