namespace KubePki.Controller.Approval;

/// <summary>Every IP SAN must be one of the requesting Node's InternalIP/ExternalIP addresses, so a node cannot obtain
/// a cert for another node's (or anybody's) IP. Node addresses are read as Go reads them: <c>010.0.0.1</c> is no
/// address (not 8.0.0.1), and an IPv4-mapped form equals its IPv4 address.</summary>
public sealed class IpSansOnNode : IApprovalRule
{
    public string Name => nameof(IpSansOnNode);

    public string? Check(ApprovalInput input)
    {
        if (input.Node is not { } node)
        {
            return null;
        }
        var known = node.IpAddresses;
        var foreign = input.Request.IpAddresses.Where(ip => !known.Contains(ip)).ToList();
        return foreign.Count == 0
            ? null
            : $"IP subjectAltNames [{string.Join(' ', foreign)}] are not addresses of node \"{node.Name}\" (it has "
                + $"[{string.Join(' ', known)}])";
    }
}
