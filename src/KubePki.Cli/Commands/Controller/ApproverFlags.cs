using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using KubePki.Controller.Approval;
using KubePki.GoText;

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

    public Option<string?> ControlPlaneEndpoint { get; } =
        new("--control-plane-endpoint")
        {
            Description =
                "The API server's shared endpoint (host or host:port); no node may have its host as a SAN "
                + "(default: controlPlaneEndpoint of the cluster's kubeadm-config; both count when both are known).",
        };

    public Option<string?> CertSans { get; } =
        new("--apiserver-cert-extra-sans")
        {
            Description =
                "Comma-separated extra SANs (IPs or DNS names) of the API server certificate; no node may have one "
                + "as a SAN (default: apiServer.certSANs of the cluster's kubeadm-config; both count).",
        };

    public Option<string?> PodNetwork { get; } =
        new("--pod-network-cidr")
        {
            Description =
                "Comma-separated pod network CIDRs no node may have an IP SAN in unless --allow-pod-network-ips "
                + "(default: networking.podSubnet of the cluster's kubeadm-config; both count).",
        };

    public Option<bool> AllowPodNetworkIps { get; } =
        new("--allow-pod-network-ips")
        {
            Description = "Let nodes have IP SANs in the pod network (for networks whose node addresses lie in it).",
        };

    public IEnumerable<Option> All =>
        [
            DnsPatterns,
            IpRanges,
            MaxExpiration,
            ServiceRange,
            ClusterDomain,
            ControlPlaneEndpoint,
            CertSans,
            PodNetwork,
            AllowPodNetworkIps,
        ];

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

    /// <summary>The approver's options from the flags alone; <see cref="ClusterNetworks.Apply"/> adds what the
    /// cluster's kubeadm-config names.</summary>
    public ApproverOptions Read(ParseResult result) =>
        new(
            (result.GetValue(DnsPatterns) ?? []).Select(Pattern).ToList(),
            List(result.GetValue(IpRanges)).Select(t => Cidr(t, "--allowed-ip-ranges")).ToList(),
            DurationFlag.ReadPositive(result.GetValue(MaxExpiration)!, "--max-expiration")
        )
        {
            ApiServerNames = ReadApiServerNames(result),
            PodNetworks = List(result.GetValue(PodNetwork)).Select(t => Cidr(t, "--pod-network-cidr")).ToList(),
            AllowPodNetworkIps = result.GetValue(AllowPodNetworkIps),
        };

    private List<ApiServerName> ReadApiServerNames(ParseResult result)
    {
        var names = new List<ApiServerName>();
        if (result.GetValue(ControlPlaneEndpoint) is { Length: > 0 } endpoint)
        {
            names.Add(
                new(
                    NetworkText.SplitHostPort(endpoint, "--control-plane-endpoint").Host,
                    ApiServerName.ControlPlaneEndpoint
                )
            );
        }
        foreach (var san in List(result.GetValue(CertSans)))
        {
            names.Add(
                IpAddressText.TryParse(san, out _) || DnsNames.IsSubdomain(san) || DnsNames.IsWildcardSubdomain(san)
                    ? new ApiServerName(san, ApiServerName.CertSans)
                    : throw new KubePkiException(
                        $"--apiserver-cert-extra-sans: \"{san}\" is neither an IP address nor a DNS name"
                    )
            );
        }
        return names;
    }

    private static string[] List(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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

    private static IPNetwork Cidr(string text, string flag) =>
        IpAddressText.TryParseCidr(text, out var network)
            ? network
            : throw new KubePkiException($"{flag}: \"{text}\" is not a CIDR");
}
