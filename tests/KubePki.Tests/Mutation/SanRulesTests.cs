using System.Net;
using KubePki.Catalog;
using KubePki.Configuration;

namespace KubePki.Tests.Mutation;

/// <summary>kubeadm's SAN rules beyond the defaults: the etcd certificates take their own extra SANs (server and peer
/// separately) with kubeadm's warning naming the certificate, and the control-plane endpoint adds its host, an IP as
/// an IP SAN, whatever its port.</summary>
public class SanRulesTests
{
    private static readonly ClusterConfig Config = new() { NodeName = "cp-1", AdvertiseAddress = "10.0.0.5" };

    private static string Warning(string san, string certName) =>
        $"[certificates] WARNING: '{san}' was not added to the '{certName}' SAN, because it is not a valid IP or "
        + "RFC-1123 compliant DNS entry";

    [Fact]
    public void Etcd_server_and_peer_each_take_their_own_extra_sans_and_warn_under_their_own_name()
    {
        var config = Config with
        {
            EtcdServerCertSans = ["server.example", "10.1.1.1", "bad name"],
            EtcdPeerCertSans = ["*.peer.example", "fd00::9", "-bad"],
        };

        var server = SanRules.EtcdServer(config);
        var peer = SanRules.EtcdPeer(config);

        Assert.Equal(["cp-1", "localhost", "server.example"], server.DnsNames);
        Assert.Equal(["10.0.0.5", "127.0.0.1", "::1", "10.1.1.1"], server.IpAddresses.Select(i => i.ToString()));
        Assert.Equal([Warning("bad name", "etcd/server")], server.Warnings);
        Assert.Equal(["*.peer.example", "cp-1", "localhost"], peer.DnsNames);
        Assert.Equal(["10.0.0.5", "127.0.0.1", "::1", "fd00::9"], peer.IpAddresses.Select(i => i.ToString()));
        Assert.Equal([Warning("-bad", "etcd/peer")], peer.Warnings);
    }

    [Fact]
    public void Without_extra_sans_there_are_no_warnings()
    {
        Assert.Empty(SanRules.ApiServer(Config).Warnings);
        Assert.Empty(SanRules.EtcdServer(Config).Warnings);
    }

    [Theory]
    [InlineData("lb.example:6443", "lb.example", null)]
    [InlineData("lb.example", "lb.example", null)]
    [InlineData("10.2.3.4:6443", null, "10.2.3.4")]
    [InlineData("[fd00::7]:6443", null, "fd00::7")]
    public void The_control_plane_endpoint_host_is_a_dns_or_ip_san(string endpoint, string? dns, string? ip)
    {
        var sans = SanRules.ApiServer(Config with { ControlPlaneEndpoint = endpoint });

        var defaults = SanRules.ApiServer(Config);
        Assert.Equal(
            dns is null ? defaults.DnsNames : defaults.DnsNames.Append(dns).Order(StringComparer.Ordinal),
            sans.DnsNames
        );
        Assert.Equal(
            ip is null ? defaults.IpAddresses : defaults.IpAddresses.Append(IPAddress.Parse(ip)),
            sans.IpAddresses
        );
    }

    [Fact]
    public void A_malformed_control_plane_endpoint_is_named_as_such()
    {
        var e = Assert.Throws<KubePkiException>(() =>
            SanRules.ApiServer(Config with { ControlPlaneEndpoint = "[fd00::1:6443" })
        );

        Assert.Equal("error parsing cluster controlPlaneEndpoint \"[fd00::1:6443\": missing ']'", e.Message);
    }

    [Fact]
    public void Advertise_address_is_parsed_as_an_ip()
    {
        Assert.Equal(
            IPAddress.Parse("fd00::5"),
            SanRules.AdvertiseAddress(Config with { AdvertiseAddress = "fd00::5" })
        );
    }

    [Fact]
    public void Extra_sans_are_sorted_into_the_lists_given()
    {
        var dns = new List<string> { "first" };
        var ips = new List<IPAddress> { IPAddress.Loopback };

        var warnings = SanRules.AppendExtra(["10.9.9.9", "name.example", "*.wild.example", "a..b"], "x", dns, ips);

        Assert.Equal(["first", "name.example", "*.wild.example"], dns);
        Assert.Equal([IPAddress.Loopback, IPAddress.Parse("10.9.9.9")], ips);
        Assert.Equal([Warning("a..b", "x")], warnings);
    }
}
