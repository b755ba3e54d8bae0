namespace KubePki.Controller.Approval;

/// <summary>Every DNS SAN must be the Node's Hostname/InternalDNS/ExternalDNS address, or match an allowed pattern and
/// begin with "&lt;node&gt;." (a label boundary, so node "a" cannot get "auth.example"). Wildcards never pass.</summary>
public sealed class DnsSansOnNode : IApprovalRule
{
    public string Name => nameof(DnsSansOnNode);

    public string? Check(ApprovalInput input)
    {
        if (input.Node is not { } node)
        {
            return null;
        }
        var known = node.Addresses.Where(a => a.IsDnsName).Select(a => a.Address).ToList();
        var foreign = input.Request.DnsNames.Where(name => !Allowed(name, node.Name, known, input.Options)).ToList();
        return foreign.Count == 0
            ? null
            : $"DNS subjectAltNames [{string.Join(' ', foreign)}] are not names of node \"{node.Name}\" (it has [{string.Join(' ', known)}])";
    }

    private static bool Allowed(string name, string nodeName, List<string> known, ApproverOptions options)
    {
        if (name.Contains('*'))
        {
            return false;
        }
        if (known.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        var ownPrefix = name.StartsWith(nodeName + ".", StringComparison.OrdinalIgnoreCase);
        return ownPrefix && options.AllowedDnsPatterns.Any(p => p.IsMatch(name));
    }
}
