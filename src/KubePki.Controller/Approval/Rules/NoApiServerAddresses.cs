namespace KubePki.Controller.Approval;

/// <summary>No IP or DNS SAN that is one of the API server's own names: the cluster's controlPlaneEndpoint host or an
/// apiServer.certSANs entry, whatever the Node's own status says — a kubelet may write its Node's status, and a
/// serving certificate for such a name, signed by the CA every kubeconfig trusts, impersonates the API
/// server.</summary>
public sealed class NoApiServerAddresses : IApprovalRule
{
    public string Name => nameof(NoApiServerAddresses);

    public string? Check(ApprovalInput input)
    {
        var names = input.Options.ApiServerNames;
        if (names.Count == 0)
        {
            return null;
        }
        var taken = input
            .Request.IpAddresses.Select(ip => (San: ip.ToString(), Name: names.FirstOrDefault(n => n.Matches(ip))))
            .Concat(input.Request.DnsNames.Select(dns => (San: dns, Name: names.FirstOrDefault(n => n.Matches(dns)))))
            .Where(t => t.Name is not null)
            .Select(t => $"{t.San} ({t.Name!.Source})")
            .ToList();
        return taken.Count == 0 ? null : $"subjectAltNames [{string.Join(' ', taken)}] are the API server's own names";
    }
}
