using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Model;

namespace KubePki.Tests.Mutation;

/// <summary>What the checks read back from a certificate: host-name coverage with Go's VerifyHostname rules (exact
/// name in any case, a wildcard standing for exactly one leftmost label, exact IP) and kubeadm's validity-period
/// warnings with their boundaries.</summary>
public class CertificateFactsTests
{
    private static readonly DateTimeOffset NotBefore = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2027, 6, 7, 8, 9, 10, TimeSpan.Zero);

    private static X509Certificate2 Certificate(
        IReadOnlyList<string> dnsNames,
        IReadOnlyList<IPAddress>? ips = null,
        bool isCa = false,
        IReadOnlyList<string>? usages = null
    )
    {
        using var key = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate(
            "facts",
            ["o1", "o2"],
            isCa,
            dnsNames,
            ips ?? [],
            usages ?? [],
            NotBefore,
            NotAfter
        );
        return CertificateAuthority.SelfSign(template, key);
    }

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("API.Example.COM", true)]
    [InlineData("other.example.com", false)]
    [InlineData("api.example.co", false)]
    public void An_exact_name_is_covered_in_any_case(string host, bool covered)
    {
        Assert.Equal(covered, CertificateFacts.Covers(Certificate(["api.example.com"]), host));
    }

    [Theory]
    [InlineData("node.lb.example", true)]
    [InlineData("NODE.LB.Example", true)]
    [InlineData("a.node.lb.example", false)]
    [InlineData("lb.example", false)]
    [InlineData(".lb.example", false)]
    [InlineData("nodelb.example", false)]
    [InlineData("node.lb.example.org", false)]
    public void A_wildcard_covers_exactly_one_leftmost_label(string host, bool covered)
    {
        Assert.Equal(covered, CertificateFacts.Covers(Certificate(["*.lb.example"]), host));
    }

    [Fact]
    public void A_name_without_wildcard_does_not_cover_its_siblings()
    {
        var certificate = Certificate(["a.example.com"]);

        Assert.False(CertificateFacts.Covers(certificate, "b.example.com"));
        Assert.False(CertificateFacts.Covers(certificate, "xa.example.com"));
    }

    [Fact]
    public void Every_dns_name_is_tried_and_ips_are_matched_exactly()
    {
        var certificate = Certificate(
            ["first.example", "second.example"],
            [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")]
        );

        Assert.True(CertificateFacts.Covers(certificate, "second.example"));
        Assert.True(CertificateFacts.Covers(certificate, IPAddress.Parse("fd00::1")));
        Assert.False(CertificateFacts.Covers(certificate, IPAddress.Parse("10.0.0.2")));
        Assert.False(CertificateFacts.Covers(Certificate([]), "first.example"));
    }

    [Fact]
    public void Facts_read_back_what_the_certificate_was_made_of()
    {
        var certificate = Certificate(
            ["b.example", "a.example"],
            [IPAddress.Parse("10.0.0.1")],
            usages: [ExtendedKeyUsageOids.ServerAuth, ExtendedKeyUsageOids.ClientAuth]
        );

        Assert.Equal("facts", CertificateFacts.CommonName(certificate));
        Assert.Equal(["o1", "o2"], CertificateFacts.Organizations(certificate));
        Assert.Equal(["b.example", "a.example"], CertificateFacts.DnsNames(certificate));
        Assert.Equal([IPAddress.Parse("10.0.0.1")], CertificateFacts.IpAddresses(certificate));
        Assert.Equal(
            [ExtendedKeyUsageOids.ServerAuth, ExtendedKeyUsageOids.ClientAuth],
            CertificateFacts.ExtendedKeyUsages(certificate)
        );
        Assert.Equal(NotBefore, CertificateFacts.NotBefore(certificate));
        Assert.Equal(TimeSpan.Zero, CertificateFacts.NotBefore(certificate).Offset);
        Assert.Equal(NotAfter, CertificateFacts.NotAfter(certificate));
        Assert.Equal(TimeSpan.Zero, CertificateFacts.NotAfter(certificate).Offset);
        Assert.False(CertificateFacts.IsCa(certificate));
        Assert.True(CertificateFacts.IsCa(Certificate([], isCa: true)));
    }

    [Fact]
    public void A_certificate_without_basic_constraints_is_no_ca()
    {
        using var key = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        var request = new CertificateRequest(
            "CN=plain",
            (System.Security.Cryptography.ECDsa)key.Key,
            System.Security.Cryptography.HashAlgorithmName.SHA256
        );
        var plain = request.CreateSelfSigned(NotBefore, NotAfter);

        Assert.False(CertificateFacts.IsCa(plain));
        Assert.Empty(CertificateFacts.DnsNames(plain));
        Assert.Empty(CertificateFacts.IpAddresses(plain));
        Assert.Empty(CertificateFacts.ExtendedKeyUsages(plain));
        Assert.Empty(CertificateFacts.Organizations(plain));
        Assert.Equal("plain", CertificateFacts.CommonName(plain));
    }

    [Fact]
    public void The_period_is_valid_from_not_before_to_not_after_inclusive()
    {
        var certificate = Certificate([]);

        Assert.Null(CertificateFacts.PeriodProblem(certificate, NotBefore));
        Assert.Null(CertificateFacts.PeriodProblem(certificate, NotAfter));
        Assert.Equal(
            "the certificate is not valid yet: NotBefore: 2026-01-02 03:04:05 +0000 UTC, "
                + "NotAfter: 2027-06-07 08:09:10 +0000 UTC",
            CertificateFacts.PeriodProblem(certificate, NotBefore.AddSeconds(-1))
        );
        Assert.Equal(
            "the certificate has expired: NotBefore: 2026-01-02 03:04:05 +0000 UTC, "
                + "NotAfter: 2027-06-07 08:09:10 +0000 UTC",
            CertificateFacts.PeriodProblem(certificate, NotAfter.AddSeconds(1))
        );
    }
}
