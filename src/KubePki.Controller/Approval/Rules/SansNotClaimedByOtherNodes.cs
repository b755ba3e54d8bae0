namespace KubePki.Controller.Approval;

/// <summary>No IP or DNS SAN that another Node also lists (or is named): a node that writes a neighbour's address into
/// its own status must not get a certificate to impersonate it.</summary>
public sealed class SansNotClaimedByOtherNodes : IApprovalRule
{
    public string Name => nameof(SansNotClaimedByOtherNodes);

    public string? Check(ApprovalInput input)
    {
        var node = input.NodeName;
        var claimed = input
            .Request.IpAddresses.Select(ip => (San: ip.ToString(), Others: input.AllNodes.OthersListing(ip, node)))
            .Concat(
                input.Request.DnsNames.Select(name => (San: name, Others: input.AllNodes.OthersListing(name, node)))
            )
            .Where(c => c.Others.Count > 0)
            .Select(c => $"{c.San} (also node {string.Join(", ", c.Others.Select(o => $"\"{o}\""))})")
            .ToList();
        return claimed.Count == 0 ? null : $"subjectAltNames [{string.Join(' ', claimed)}] belong to another Node too";
    }
}
