using KubePki.GoText;

namespace KubePki.Controller.Approval;

/// <summary>No IP SAN in the pod network (kubeadm networking.podSubnet): those are pods' addresses, never a node's,
/// whatever the Node's own status says — unless the operator's policy (--allow-pod-network-ips) says node addresses
/// lie in it.</summary>
public sealed class IpSansOutsidePodNetwork : IApprovalRule
{
    public string Name => nameof(IpSansOutsidePodNetwork);

    public string? Check(ApprovalInput input)
    {
        if (input.Options.AllowPodNetworkIps)
        {
            return null;
        }
        var inside = input
            .Request.IpAddresses.Select(ip =>
                (Ip: ip, Network: input.Options.PodNetworks.FirstOrDefault(n => IpAddressText.Contains(n, ip)))
            )
            .Where(p => p.Network != default)
            .Select(p => $"{p.Ip} (in {p.Network})")
            .ToList();
        return inside.Count == 0
            ? null
            : $"IP subjectAltNames [{string.Join(' ', inside)}] are in the pod network (--allow-pod-network-ips "
                + "allows them)";
    }
}
