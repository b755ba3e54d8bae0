using System.Net;

namespace KubePki.Catalog;

/// <summary>SANs of a certificate: DNS names sorted and de-duplicated, IPs de-duplicated in insertion order
/// (kubeadm's RemoveDuplicateAltNames); plus the warnings for skipped extra SANs.</summary>
internal sealed record AltNames(
    IReadOnlyList<string> DnsNames,
    IReadOnlyList<IPAddress> IpAddresses,
    IReadOnlyList<string> Warnings
)
{
    public static AltNames None { get; } = new([], [], []);

    public bool IsEmpty => DnsNames.Count == 0 && IpAddresses.Count == 0;

    public static AltNames Create(
        IEnumerable<string> dnsNames,
        IEnumerable<IPAddress> ips,
        IReadOnlyList<string>? warnings = null
    )
    {
        var dns = dnsNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var distinctIps = new List<IPAddress>();
        foreach (var ip in ips)
        {
            if (!distinctIps.Contains(ip))
            {
                distinctIps.Add(ip);
            }
        }
        return new AltNames(dns, distinctIps, warnings ?? []);
    }
}
