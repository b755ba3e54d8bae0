namespace KubePki.Controller.Approval;

/// <summary>Every DNS SAN must be the Node's Hostname/InternalDNS/ExternalDNS address, or match an allowed pattern and
/// begin with "&lt;node&gt;." (a label boundary, so node "a" cannot get "auth.example"). Wildcards never pass; a
/// pattern that times out is a denial, not an error.</summary>
public sealed class DnsSansOnNode : IApprovalRule
{
    public string Name => nameof(DnsSansOnNode);

    public string? Check(ApprovalInput input)
    {
        if (input.Node is not { } node)
        {
            return null;
        }
        var known = node.DnsNames;
        var foreign = new List<string>();
        foreach (var name in input.Request.DnsNames)
        {
            switch (Allowed(name, node.Name, known, input.Options))
            {
                case null:
                    return $"matching DNS subjectAltName \"{NoControlCharacters.Escape(name)}\" against "
                        + $"--allowed-dns-pattern timed out";
                case false:
                    foreign.Add(NoControlCharacters.Escape(name));
                    break;
            }
        }
        return foreign.Count == 0
            ? null
            : $"DNS subjectAltNames [{string.Join(' ', foreign)}] are not names of node \"{node.Name}\" (it has "
                + $"[{string.Join(' ', known)}])";
    }

    private static bool? Allowed(string name, string nodeName, IReadOnlyList<string> known, ApproverOptions options)
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
        return ownPrefix ? DnsSansMatchAllowedPatterns.Match(options.AllowedDnsPatterns, name) : false;
    }
}
