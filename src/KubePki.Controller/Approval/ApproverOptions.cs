using System.Net;
using System.Text.RegularExpressions;

namespace KubePki.Controller.Approval;

/// <summary>The kubelet-serving approver's knobs: extra DNS names (each must still begin with the node name), CIDRs
/// every IP SAN must fall in (empty = any), the longest expirationSeconds accepted, and what belongs to the cluster
/// itself and is never a node's: the service network, the cluster DNS domain, the API server's own names and the pod
/// network.</summary>
public sealed record ApproverOptions(
    IReadOnlyList<Regex> AllowedDnsPatterns,
    IReadOnlyList<IPNetwork> AllowedIpRanges,
    TimeSpan MaxExpiration
)
{
    public static readonly TimeSpan DefaultMaxExpiration = TimeSpan.FromHours(8760);

    /// <summary>kubeadm's default <c>networking.serviceSubnet</c> (kube-apiserver's
    /// --service-cluster-ip-range).</summary>
    public static readonly IPNetwork DefaultServiceNetwork = new(IPAddress.Parse("10.96.0.0"), 12);

    public const string DefaultClusterDomain = "cluster.local";

    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    public static ApproverOptions Default { get; } = new([], [], DefaultMaxExpiration);

    /// <summary>IPs no node may claim: the Service ClusterIPs, the API server's own among them.</summary>
    public IReadOnlyList<IPNetwork> ServiceNetworks { get; init; } = [DefaultServiceNetwork];

    /// <summary>The cluster DNS domain (kubelet --cluster-domain, kubeadm networking.dnsDomain).</summary>
    public string ClusterDomain { get; init; } = DefaultClusterDomain;

    /// <summary>The API server's own names (controlPlaneEndpoint host, apiServer.certSANs): no node may have a SAN
    /// that is one of them, whatever its Node status lists.</summary>
    public IReadOnlyList<ApiServerName> ApiServerNames { get; init; } = [];

    /// <summary>The pod network (kubeadm networking.podSubnet): no node may have an IP SAN in it unless
    /// <see cref="AllowPodNetworkIps"/>.</summary>
    public IReadOnlyList<IPNetwork> PodNetworks { get; init; } = [];

    /// <summary>The operator's policy that nodes' addresses may lie in the pod network.</summary>
    public bool AllowPodNetworkIps { get; init; }

    /// <summary>One warning per kind of SAN that no operator policy limits: without it, what a Node reports about
    /// itself (which its own kubelet may write) is the only bound on what it gets a certificate for.</summary>
    public IReadOnlyList<string> MissingPolicyWarnings()
    {
        var warnings = new List<string>();
        if (AllowedIpRanges.Count == 0)
        {
            warnings.Add(
                "no --allowed-ip-ranges: a node gets a serving certificate for any IP in its own Node status "
                    + "(which its kubelet writes) unless it is in the service or pod network, is the API server's "
                    + "or is claimed by another Node; "
                    + "set --allowed-ip-ranges to the node subnets"
            );
        }
        if (AllowedDnsPatterns.Count == 0)
        {
            warnings.Add(
                "no --allowed-dns-pattern: a node gets a serving certificate for any DNS name in its own Node "
                    + "status unless it is an API server or Service name or claimed by another Node; "
                    + "set --allowed-dns-pattern to the names your nodes may have"
            );
        }
        return warnings;
    }

    /// <summary>A user pattern, anchored at both ends of the whole input: <c>\A(?:…)\z</c>, because .NET's <c>$</c>
    /// also matches before a final newline. A match that takes longer than <see cref="PatternTimeout"/> is a
    /// denial.</summary>
    public static Regex Pattern(string pattern) =>
        new($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, PatternTimeout);
}
