using System.Net;
using KubePki.GoText;

namespace KubePki.Controller.Model;

/// <summary>The Node object named by a serving CSR's CN: its name and <c>status.addresses</c> (type,
/// address).</summary>
public sealed record NodeFacts(string Name, IReadOnlyList<NodeAddress> Addresses)
{
    /// <summary>The InternalIP/ExternalIP addresses that parse as Go parses them (a kubelet could not have reported
    /// <c>010.0.0.1</c>; it is no address at all), IPv4-mapped ones as IPv4.</summary>
    public IReadOnlyList<IPAddress> IpAddresses =>
        Addresses
            .Where(a => a.IsIp)
            .Select(a => IpAddressText.TryParse(a.Address, out var ip) ? ip : null)
            .OfType<IPAddress>()
            .ToList();

    /// <summary>Same name and the same addresses in the same order.</summary>
    public bool SameAs(NodeFacts other) => Name == other.Name && Addresses.SequenceEqual(other.Addresses);

    public IReadOnlyList<string> DnsNames => Addresses.Where(a => a.IsDnsName).Select(a => a.Address).ToList();
}
