using KubePki.GoText;

namespace KubePki.Controller.Approval;

/// <summary>No IP SAN in the service network: those are ClusterIPs (10.96.0.1 is the API server's), never a node's,
/// whatever the Node's own status says — a kubelet may write its Node's status.</summary>
public sealed class IpSansOutsideServiceNetwork : IApprovalRule
{
    public string Name => nameof(IpSansOutsideServiceNetwork);

    public string? Check(ApprovalInput input)
    {
        var inside = input
            .Request.IpAddresses.Select(ip =>
                (Ip: ip, Network: input.Options.ServiceNetworks.FirstOrDefault(n => IpAddressText.Contains(n, ip)))
            )
            .Where(p => p.Network != default)
            .Select(p => $"{p.Ip} (in {p.Network})")
            .ToList();
        return inside.Count == 0 ? null : $"IP subjectAltNames [{string.Join(' ', inside)}] are in the service network";
    }
}
