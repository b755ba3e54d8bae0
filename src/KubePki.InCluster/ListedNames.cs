using System.Collections.Concurrent;

namespace KubePki.InCluster;

/// <summary>A cache keyed by object name as an <see cref="IListWatchTarget{T}"/> fills it from a (re-)list: what the
/// list hands out is stored and its name noted, so that when the list is done what it no longer holds is
/// dropped.</summary>
public sealed class ListedNames<TValue>(ConcurrentDictionary<string, TValue> cache)
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The names of the list in progress, or of the last one until <see cref="Clear"/>.</summary>
    public IReadOnlyCollection<string> Names => _names;

    public void Clear() => _names.Clear();

    public void Put(string name, TValue value)
    {
        _names.Add(name);
        cache[name] = value;
    }

    /// <summary>Removes from the cache every name this list did not hold.</summary>
    public void DropUnlisted()
    {
        foreach (var gone in cache.Keys.Where(k => !_names.Contains(k)))
        {
            cache.TryRemove(gone, out _);
        }
    }
}
