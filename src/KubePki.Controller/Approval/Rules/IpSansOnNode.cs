namespace KubePki.Controller.Approval;

/// <summary>Every IP SAN must be one of the requesting Node's InternalIP/ExternalIP addresses, so a node cannot obtain
/// a cert for another node's (or anybody's) IP.</summary>
public sealed class IpSansOnNode : IApprovalRule
{
    public string Name => nameof(IpSansOnNode);

    public string? Check(ApprovalInput input)
    {
        if (input.Node is not { } node)
        {
            return null;
        }
        var known = node.Addresses.Where(a => a.IsIp)
            .Select(a => System.Net.IPAddress.TryParse(a.Address, out var ip) ? ip : null).OfType<System.Net.IPAddress>().ToList();
        var foreign = input.Request.IpAddresses.Where(ip => !known.Any(k => k.Equals(ip) || k.MapToIPv6().Equals(ip.MapToIPv6()))).ToList();
        return foreign.Count == 0
            ? null
            : $"IP subjectAltNames [{string.Join(' ', foreign)}] are not addresses of node \"{node.Name}\" (it has [{string.Join(' ', known)}])";
    }
}
