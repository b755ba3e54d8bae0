using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using KubePki.Configuration;
using KubePki.Controller.Approval;
using KubePki.Model;

namespace KubePki.Cli.Commands.Controller;

/// <summary>The approver's flags, shared by <c>kubepki controller</c> and <c>kubepki csr check</c> so a check shows
/// exactly the verdict the controller would reach with the same flags.</summary>
public sealed class ApproverFlags
{
    public Option<string[]> DnsPatterns { get; } =
        new("--allowed-dns-pattern")
        {
            Description =
                "A regular expression for extra DNS SANs; such names must still begin with \"<node-name>.\". "
                + "Repeatable.",
        };

    public Option<string?> IpRanges { get; } =
        new("--allowed-ip-ranges") { Description = "Comma-separated CIDRs every IP SAN must also fall in." };

    public Option<string> MaxExpiration { get; } =
        new("--max-expiration")
        {
            Description = "The longest spec.expirationSeconds the approver accepts.",
            DefaultValueFactory = _ => "8760h0m0s",
        };

    public Option<string?> ServiceRange { get; } =
        new("--service-cluster-ip-range")
        {
            Description =
                "Comma-separated service CIDRs no node may have an IP SAN in (default: networking.serviceSubnet of "
                + "the cluster's kubeadm-config, else 10.96.0.0/12; both count when both are known).",
        };

    public Option<string?> ClusterDomain { get; } =
        new("--cluster-domain")
        {
            Description =
                "The cluster DNS domain; no node may have a SAN under .svc.<domain> (default: networking.dnsDomain "
                + "of the cluster's kubeadm-config, else cluster.local).",
        };

    public IEnumerable<Option> All => [DnsPatterns, IpRanges, MaxExpiration, ServiceRange, ClusterDomain];

    /// <summary>--service-cluster-ip-range, or null when not given.</summary>
    public IReadOnlyList<IPNetwork>? ReadServiceNetworks(ParseResult result) =>
        result.GetValue(ServiceRange) is { } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t =>
                    IpAddressText.TryParseCidr(t, out var n)
                        ? n
                        : throw new KubePkiException($"--service-cluster-ip-range: \"{t}\" is not a CIDR")
                )
                .ToList()
            : null;

    /// <summary>--cluster-domain, or null when not given.</summary>
    public string? ReadClusterDomain(ParseResult result) =>
        result.GetValue(ClusterDomain) is { } domain
            ? DnsNames.IsSubdomain(domain.TrimEnd('.'))
                ? domain.TrimEnd('.')
                : throw new KubePkiException($"--cluster-domain: \"{domain}\" is not a valid DNS domain")
            : null;

    public ApproverOptions Read(ParseResult result) =>
        new(
            (result.GetValue(DnsPatterns) ?? []).Select(Pattern).ToList(),
            (result.GetValue(IpRanges) ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(Cidr)
                .ToList(),
            Duration(result.GetValue(MaxExpiration)!, "--max-expiration")
        );

    public static TimeSpan Duration(string text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new KubePkiException($"{flag}: \"{text}\" is not a valid positive duration (e.g. 8760h)");

    private static Regex Pattern(string text)
    {
        try
        {
            return ApproverOptions.Pattern(text);
        }
        catch (ArgumentException e)
        {
            throw new KubePkiException(
                $"--allowed-dns-pattern: \"{text}\" is not a valid regular expression: {e.Message}"
            );
        }
    }

    private static IPNetwork Cidr(string text) =>
        IpAddressText.TryParseCidr(text, out var network)
            ? network
            : throw new KubePkiException($"--allowed-ip-ranges: \"{text}\" is not a CIDR");
}
