using System.Net;
using KubePki.Building;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Model;

namespace KubePki.Tests.Mutation;

/// <summary>kubeadm ≥ 1.31's validity: one start time per run cut to whole seconds, NotBefore five minutes earlier,
/// NotAfter start + the CA or leaf validity of the configuration; renewal copies CN, O, DNS/IP SANs and usages of the
/// old certificate and nothing else.</summary>
public class TemplateBuilderTests
{
    // 12:00:00.9999999: the fraction is dropped, never rounded up.
    private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(
        TimeSpan.TicksPerSecond - 1
    );
    private static readonly DateTimeOffset Whole = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ClusterConfig Config = new()
    {
        NodeName = "cp-1",
        AdvertiseAddress = "192.168.10.5",
        CertificateValidity = TimeSpan.FromDays(30),
        CaCertificateValidity = TimeSpan.FromDays(300),
    };

    [Fact]
    public void Time_is_cut_to_whole_seconds_in_utc()
    {
        var local = new DateTimeOffset(2026, 3, 1, 14, 0, 0, 500, TimeSpan.FromHours(2));

        var truncated = TemplateBuilder.TruncateToSeconds(local);

        Assert.Equal(Whole, truncated);
        Assert.Equal(TimeSpan.Zero, truncated.Offset);
        Assert.Equal(Whole, TemplateBuilder.TruncateToSeconds(Start));
        Assert.Equal(TimeSpan.FromMinutes(5), TemplateBuilder.Backdate);
    }

    [Fact]
    public void A_leaf_gets_the_certificate_validity_and_its_catalog_identity()
    {
        var template = TemplateBuilder.For(CertCatalog.ApiServerKubeletClient.Resolve(Config), Config, Start);

        Assert.Equal("kube-apiserver-kubelet-client", template.CommonName);
        Assert.Equal([CertCatalog.ClusterAdminsGroup], template.Organizations);
        Assert.False(template.IsCa);
        Assert.Empty(template.DnsNames);
        Assert.Empty(template.IpAddresses);
        Assert.Equal([ExtendedKeyUsageOids.ClientAuth], template.ExtendedKeyUsages);
        Assert.Equal(Whole.AddMinutes(-5), template.NotBefore);
        Assert.Equal(Whole.AddDays(30), template.NotAfter);
    }

    [Fact]
    public void A_ca_gets_the_ca_validity_and_its_cn_as_dns_san()
    {
        var template = TemplateBuilder.For(CertCatalog.FrontProxyCa.Resolve(Config), Config, Start);

        Assert.True(template.IsCa);
        Assert.Equal(["front-proxy-ca"], template.DnsNames);
        Assert.Equal(Whole.AddMinutes(-5), template.NotBefore);
        Assert.Equal(Whole.AddDays(300), template.NotAfter);
    }

    [Fact]
    public void A_server_leaf_carries_its_sans()
    {
        var template = TemplateBuilder.For(CertCatalog.EtcdPeer.Resolve(Config), Config, Start);

        Assert.Equal("cp-1", template.CommonName);
        Assert.Equal(["cp-1", "localhost"], template.DnsNames);
        Assert.Equal(
            [IPAddress.Parse("192.168.10.5"), IPAddress.Loopback, IPAddress.IPv6Loopback],
            template.IpAddresses
        );
        Assert.Equal([ExtendedKeyUsageOids.ServerAuth, ExtendedKeyUsageOids.ClientAuth], template.ExtendedKeyUsages);
    }

    [Fact]
    public void A_kubeconfig_client_is_a_client_auth_leaf_without_sans()
    {
        var template = TemplateBuilder.ForClient("system:node:cp-1", ["system:nodes"], Start, TimeSpan.FromHours(1));

        Assert.Equal("system:node:cp-1", template.CommonName);
        Assert.False(template.IsCa);
        Assert.Equal(Whole.AddMinutes(-5), template.NotBefore);
        Assert.Equal(Whole.AddHours(1), template.NotAfter);
        Assert.Equal(["system:nodes"], template.Organizations);
        Assert.Empty(template.DnsNames);
        Assert.Empty(template.IpAddresses);
        Assert.Equal([ExtendedKeyUsageOids.ClientAuth], template.ExtendedKeyUsages);
    }

    [Fact]
    public void Renewal_copies_the_identity_of_the_old_certificate_with_a_new_validity()
    {
        using var key = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        var old = CertificateAuthority.SelfSign(
            new CertificateTemplate(
                "old-cn",
                ["g1", "g2"],
                true,
                ["z.example", "a.example"],
                [IPAddress.Parse("10.1.1.1")],
                [ExtendedKeyUsageOids.ServerAuth],
                Whole.AddYears(-1),
                Whole.AddDays(1)
            ),
            key
        );

        var template = TemplateBuilder.FromExisting(old, Start, TimeSpan.FromDays(7));

        Assert.Equal("old-cn", template.CommonName);
        Assert.Equal(["g1", "g2"], template.Organizations);
        // Only leaves are renewed this way: the template is never a CA's.
        Assert.False(template.IsCa);
        Assert.Equal(["z.example", "a.example"], template.DnsNames);
        Assert.Equal([IPAddress.Parse("10.1.1.1")], template.IpAddresses);
        Assert.Equal([ExtendedKeyUsageOids.ServerAuth], template.ExtendedKeyUsages);
        Assert.Equal(Whole.AddMinutes(-5), template.NotBefore);
        Assert.Equal(Whole.AddDays(7), template.NotAfter);
    }
}
