using System.Net;
using System.Text.RegularExpressions;

namespace KubePki.Controller.Approval;

/// <summary>The kubelet-serving approver's knobs: extra DNS names (each must still begin with the node name), CIDRs
/// every IP SAN must fall in (empty = any), and the longest expirationSeconds accepted.</summary>
public sealed record ApproverOptions(IReadOnlyList<Regex> AllowedDnsPatterns, IReadOnlyList<IPNetwork> AllowedIpRanges, TimeSpan MaxExpiration)
{
    public static readonly TimeSpan DefaultMaxExpiration = TimeSpan.FromHours(8760);

    public static ApproverOptions Default { get; } = new([], [], DefaultMaxExpiration);

    /// <summary>A user pattern, anchored at both ends so "node1\.example\.com" cannot match a longer name.</summary>
    public static Regex Pattern(string pattern) =>
        new($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100));
}
