using System.Net;
using KubePki.Configuration;
using KubePki.GoText;

namespace KubePki.Catalog;

/// <summary>kubeadm's SAN rules (GetAPIServerAltNames, getAltNames, appendSANsToAltNames) as pure functions.</summary>
internal static class SanRules
{
    public static AltNames ApiServer(ClusterConfig config)
    {
        var dns = new List<string>
        {
            config.NodeName,
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            $"kubernetes.default.svc.{config.DnsDomain}",
        };
        var ips = new List<IPAddress>
        {
            NetworkText.ApiServerVirtualIp(config.ServiceSubnet),
            AdvertiseAddress(config),
        };
        if (config.ControlPlaneEndpoint.Length > 0)
        {
            var (host, _) = NetworkText.SplitHostPort(config.ControlPlaneEndpoint, "cluster controlPlaneEndpoint");
            if (NetworkText.TryParseIp(host, out var ip))
            {
                ips.Add(ip);
            }
            else
            {
                dns.Add(host);
            }
        }
        var warnings = AppendExtra(config.ApiServerCertSans, "apiserver", dns, ips);
        return AltNames.Create(dns, ips, warnings);
    }

    public static AltNames EtcdServer(ClusterConfig config) => Etcd(config, config.EtcdServerCertSans, "etcd/server");

    public static AltNames EtcdPeer(ClusterConfig config) => Etcd(config, config.EtcdPeerCertSans, "etcd/peer");

    public static IPAddress AdvertiseAddress(ClusterConfig config) =>
        NetworkText.TryParseIp(config.AdvertiseAddress, out var ip)
            ? ip
            : throw new KubePkiException(
                $"error parsing LocalAPIEndpoint AdvertiseAddress {config.AdvertiseAddress}: is not a valid textual "
                    + $"representation of an IP address",
                KubePkiErrorKind.InvalidInput
            );

    /// <summary>Sorts extra SANs into IPs and DNS names; anything else is skipped with kubeadm's warning.</summary>
    public static IReadOnlyList<string> AppendExtra(
        IEnumerable<string> extra,
        string certName,
        List<string> dns,
        List<IPAddress> ips
    )
    {
        var warnings = new List<string>();
        foreach (var san in extra)
        {
            if (NetworkText.TryParseIp(san, out var ip))
            {
                ips.Add(ip);
            }
            else if (DnsNames.IsSubdomain(san) || DnsNames.IsWildcardSubdomain(san))
            {
                dns.Add(san);
            }
            else
            {
                warnings.Add(
                    $"[certificates] WARNING: '{san}' was not added to the '{certName}' SAN, because it is not a "
                        + $"valid IP or RFC-1123 compliant DNS entry"
                );
            }
        }
        return warnings;
    }

    private static AltNames Etcd(ClusterConfig config, IReadOnlyList<string> extra, string certName)
    {
        var dns = new List<string> { config.NodeName, "localhost" };
        var ips = new List<IPAddress> { AdvertiseAddress(config), IPAddress.Loopback, IPAddress.IPv6Loopback };
        var warnings = AppendExtra(extra, certName, dns, ips);
        return AltNames.Create(dns, ips, warnings);
    }
}
