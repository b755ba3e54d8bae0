using System.Net;

namespace KubePki.Controller.Model;

/// <summary>Every Node the controller knows, indexed by name and by each IP and DNS name it lists, so the approver can
/// ask "who else claims this address?" without an API call. Immutable: the Node informer builds a new one on
/// change.</summary>
public sealed class NodeSet
{
    private readonly Dictionary<string, NodeFacts> _byName;
    private readonly Dictionary<IPAddress, List<string>> _byIp = [];
    private readonly Dictionary<string, List<string>> _byDnsName = new(StringComparer.OrdinalIgnoreCase);

    private NodeSet(IEnumerable<NodeFacts> nodes)
    {
        _byName = nodes
            .GroupBy(n => n.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        foreach (var node in _byName.Values)
        {
            foreach (var ip in node.IpAddresses.Distinct())
            {
                Add(_byIp, ip, node.Name);
            }
            // A Node's own name counts as a DNS name it claims: its kubelet is reached and known by it.
            foreach (
                var name in node.DnsNames.Append(node.Name).Select(Normalize).Distinct(StringComparer.OrdinalIgnoreCase)
            )
            {
                Add(_byDnsName, name, node.Name);
            }
        }
    }

    public static NodeSet Empty { get; } = new([]);

    public int Count => _byName.Count;

    public static NodeSet Of(IEnumerable<NodeFacts> nodes) => new(nodes);

    public NodeFacts? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The Nodes other than <paramref name="node"/> that list <paramref name="ip"/>.</summary>
    public IReadOnlyList<string> OthersListing(IPAddress ip, string node) =>
        _byIp.TryGetValue(ip, out var owners) ? owners.Where(o => o != node).ToList() : [];

    /// <summary>The Nodes other than <paramref name="node"/> that list (or are named) <paramref
    /// name="dnsName"/>.</summary>
    public IReadOnlyList<string> OthersListing(string dnsName, string node) =>
        _byDnsName.TryGetValue(Normalize(dnsName), out var owners) ? owners.Where(o => o != node).ToList() : [];

    private static string Normalize(string dnsName) => dnsName.TrimEnd('.');

    private static void Add<TKey>(Dictionary<TKey, List<string>> index, TKey key, string node)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var owners))
        {
            index[key] = owners = [];
        }
        owners.Add(node);
    }
}
