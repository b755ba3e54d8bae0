using System.Net;

namespace KubePki.Controller.Model;

/// <summary>Every Node the controller knows, indexed by name and by each IP and DNS name it lists, so the approver can
/// ask "who else claims this address?" without an API call. Immutable: the Node informer builds a new one on
/// change. The indexes hold an address's only owner as its name and only a shared address's owners as an array:
/// nearly every address has a single owner, and the set holds one entry per Node and address, 100,000s in a large
/// cluster.</summary>
public sealed class NodeSet
{
    private readonly Dictionary<string, NodeFacts> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, object> _byIp = [];
    private readonly Dictionary<string, object> _byDnsName = new(StringComparer.OrdinalIgnoreCase);

    private NodeSet(IEnumerable<NodeFacts> nodes)
    {
        if (nodes.TryGetNonEnumeratedCount(out var count))
        {
            _byName.EnsureCapacity(count);
            _byIp.EnsureCapacity(count);
            _byDnsName.EnsureCapacity(count);
        }
        foreach (var node in nodes)
        {
            _byName[node.Name] = node; // the last one of a name wins
        }
        var sharedIps = new Dictionary<IPAddress, List<string>>();
        var sharedNames = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in _byName.Values)
        {
            foreach (var ip in node.IpAddresses.Distinct())
            {
                Add(_byIp, sharedIps, ip, node.Name);
            }
            // A Node's own name counts as a DNS name it claims: its kubelet is reached and known by it.
            foreach (
                var name in node.DnsNames.Append(node.Name).Select(Normalize).Distinct(StringComparer.OrdinalIgnoreCase)
            )
            {
                Add(_byDnsName, sharedNames, name, node.Name);
            }
        }
        Settle(_byIp, sharedIps);
        Settle(_byDnsName, sharedNames);
    }

    public static NodeSet Empty { get; } = new([]);

    public int Count => _byName.Count;

    public static NodeSet Of(IEnumerable<NodeFacts> nodes) => new(nodes);

    public NodeFacts? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The Nodes other than <paramref name="node"/> that list <paramref name="ip"/>.</summary>
    public IReadOnlyList<string> OthersListing(IPAddress ip, string node) => Others(_byIp.GetValueOrDefault(ip), node);

    /// <summary>The Nodes other than <paramref name="node"/> that list (or are named) <paramref
    /// name="dnsName"/>.</summary>
    public IReadOnlyList<string> OthersListing(string dnsName, string node) =>
        Others(_byDnsName.GetValueOrDefault(Normalize(dnsName)), node);

    private static IReadOnlyList<string> Others(object? owners, string node) =>
        owners switch
        {
            string only => only == node ? [] : [only],
            string[] all => all.Where(o => o != node).ToList(),
            _ => [],
        };

    private static string Normalize(string dnsName) => dnsName.TrimEnd('.');

    // Owners beyond the first gather in a list while the set is built (an address many Nodes list would make
    // copying arrays quadratic) and become the index's array at the end.
    private static void Add<TKey>(
        Dictionary<TKey, object> index,
        Dictionary<TKey, List<string>> shared,
        TKey key,
        string node
    )
        where TKey : notnull
    {
        if (shared.TryGetValue(key, out var owners))
        {
            owners.Add(node);
        }
        else if (index.TryGetValue(key, out var owner))
        {
            shared[key] = [(string)owner, node];
        }
        else
        {
            index[key] = node;
        }
    }

    private static void Settle<TKey>(Dictionary<TKey, object> index, Dictionary<TKey, List<string>> shared)
        where TKey : notnull
    {
        foreach (var (key, owners) in shared)
        {
            index[key] = owners.ToArray();
        }
    }
}
