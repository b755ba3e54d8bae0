using System.Net;
using KubePki.Catalog;
using KubePki.Configuration;

namespace KubePki.Tests.Catalog;

public class CertCatalogTests
{
    private static readonly ClusterConfig Config = new() { NodeName = "cp-1", AdvertiseAddress = "192.168.10.5" };

    [Fact]
    public void Names_are_unique_cas_come_before_their_leaves_and_ca_names_are_known()
    {
        var names = CertCatalog.All.Select(d => d.Name).ToList();
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Equal(
            [
                "ca",
                "apiserver",
                "apiserver-kubelet-client",
                "front-proxy-ca",
                "front-proxy-client",
                "etcd-ca",
                "etcd-server",
                "etcd-peer",
                "etcd-healthcheck-client",
                "apiserver-etcd-client",
            ],
            names
        );
        foreach (var leaf in CertCatalog.All.Where(d => !d.IsCa))
        {
            Assert.True(names.IndexOf(leaf.CaName!) < names.IndexOf(leaf.Name), leaf.Name);
        }
    }

    [Fact]
    public void External_etcd_drops_the_etcd_ca_and_its_certificates()
    {
        Assert.Equal(
            ["ca", "apiserver", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client"],
            CertCatalog.For(externalEtcd: true).Select(d => d.Name)
        );
    }

    [Theory]
    [InlineData("ca", "kubernetes", "")]
    [InlineData("apiserver", "kube-apiserver", "")]
    [InlineData("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "kubeadm:cluster-admins")]
    [InlineData("front-proxy-ca", "front-proxy-ca", "")]
    [InlineData("front-proxy-client", "front-proxy-client", "")]
    [InlineData("etcd-ca", "etcd-ca", "")]
    [InlineData("etcd-server", "cp-1", "")]
    [InlineData("etcd-peer", "cp-1", "")]
    [InlineData("etcd-healthcheck-client", "kube-etcd-healthcheck-client", "")]
    [InlineData("apiserver-etcd-client", "kube-apiserver-etcd-client", "")]
    public void Subjects_match_kubeadm_v1_29(string name, string cn, string o)
    {
        var spec = CertCatalog.Get(name).Resolve(Config);
        Assert.Equal(cn, spec.CommonName);
        Assert.Equal(o, string.Join(",", spec.Organizations));
    }

    [Fact]
    public void Cas_carry_their_cn_as_dns_san()
    {
        Assert.Equal(["etcd-ca"], CertCatalog.EtcdCa.Resolve(Config).AltNames.DnsNames);
    }

    [Fact]
    public void Apiserver_sans_default()
    {
        var sans = SanRules.ApiServer(Config);
        Assert.Equal(
            [
                "cp-1",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
            sans.DnsNames
        );
        Assert.Equal([IPAddress.Parse("10.96.0.1"), IPAddress.Parse("192.168.10.5")], sans.IpAddresses);
    }

    [Fact]
    public void Apiserver_sans_with_endpoint_extra_sans_and_custom_network_are_sorted_deduplicated_and_filtered()
    {
        var config = Config with
        {
            NodeName = "zeta",
            ServiceSubnet = "10.100.0.0/16,fd00::/108",
            DnsDomain = "corp.internal",
            ControlPlaneEndpoint = "api.corp.internal:7443",
            ApiServerCertSans =
            [
                "10.0.0.9",
                "alpha.example",
                "*.lb.example",
                "192.168.10.5",
                "bad_name!",
                "kubernetes",
            ],
        };
        var sans = SanRules.ApiServer(config);
        Assert.Equal(
            [
                "*.lb.example",
                "alpha.example",
                "api.corp.internal",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.corp.internal",
                "zeta",
            ],
            sans.DnsNames
        );
        Assert.Equal(
            [IPAddress.Parse("10.100.0.1"), IPAddress.Parse("192.168.10.5"), IPAddress.Parse("10.0.0.9")],
            sans.IpAddresses
        );
        Assert.Equal(
            [
                "[certificates] WARNING: 'bad_name!' was not added to the 'apiserver' SAN, because it is not a "
                    + "valid IP or RFC-1123 compliant DNS entry",
            ],
            sans.Warnings
        );
    }

    [Fact]
    public void Control_plane_endpoint_ip_is_an_ip_san()
    {
        var sans = SanRules.ApiServer(Config with { ControlPlaneEndpoint = "10.1.2.3" });
        Assert.Contains(IPAddress.Parse("10.1.2.3"), sans.IpAddresses);
    }

    [Fact]
    public void Etcd_sans_follow_kubeadm()
    {
        var sans = SanRules.EtcdServer(Config with { EtcdServerCertSans = ["etcd.example", "10.9.9.9"] });
        Assert.Equal(["cp-1", "etcd.example", "localhost"], sans.DnsNames);
        Assert.Equal(["192.168.10.5", "127.0.0.1", "::1", "10.9.9.9"], sans.IpAddresses.Select(i => i.ToString()));
        Assert.Equal(["cp-1", "localhost"], SanRules.EtcdPeer(Config).DnsNames);
    }

    [Fact]
    public void Invalid_advertise_address_is_reported_in_kubeadms_words()
    {
        var e = Assert.Throws<KubePkiException>(() => SanRules.ApiServer(Config with { AdvertiseAddress = "1.2.3" }));
        Assert.Equal(
            "error parsing LocalAPIEndpoint AdvertiseAddress 1.2.3: is not a valid textual representation of an "
                + "IP address",
            e.Message
        );
    }
}
