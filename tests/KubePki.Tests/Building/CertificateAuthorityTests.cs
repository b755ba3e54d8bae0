using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.TestKit;

namespace KubePki.Tests.Building;

public class CertificateAuthorityTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 8, 30, 15, TimeSpan.Zero);

    private static (CertificateAuthority Ca, PrivateKey Key) NewCa(
        KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256,
        TimeSpan? validity = null
    )
    {
        var key = FixtureKeys.Shared.Generate(algorithm);
        var template = new CertificateTemplate(
            "kubernetes",
            [],
            true,
            ["kubernetes"],
            [],
            [],
            Start - TemplateBuilder.Backdate,
            Start + (validity ?? TimeSpan.FromHours(87600))
        );
        return (new CertificateAuthority(CertificateAuthority.SelfSign(template, key), key), key);
    }

    [Fact]
    public void Ca_has_kubeadms_extensions_in_gos_order_and_encoding()
    {
        var (ca, _) = NewCa();
        var oids = ca.Certificate.Extensions.Select(e => e.Oid!.Value).ToList();
        Assert.Equal(["2.5.29.15", "2.5.29.19", "2.5.29.14", "2.5.29.17"], oids); // KU, BC, SKI, SAN
        Assert.Equal(Convert.FromHexString("030202A4"), ca.Certificate.Extensions["2.5.29.15"]!.RawData);
        Assert.True(ca.Certificate.Extensions["2.5.29.15"]!.Critical);
        // CA:TRUE, no pathLen
        Assert.Equal(Convert.FromHexString("30030101FF"), ca.Certificate.Extensions["2.5.29.19"]!.RawData);
        Assert.True(ca.Certificate.Extensions["2.5.29.19"]!.Critical);
        Assert.Null(ca.Certificate.Extensions["2.5.29.35"]); // no AKI on a self-signed CA
    }

    [Fact]
    public void Leaf_has_ku_eku_bc_aki_san_and_aki_is_the_ca_ski()
    {
        var (ca, _) = NewCa();
        using var leafKey = FixtureKeys.Shared.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate(
            "kube-apiserver",
            [],
            false,
            ["a", "b"],
            [IPAddress.Parse("10.96.0.1")],
            [ExtendedKeyUsageOids.ServerAuth],
            Start - TemplateBuilder.Backdate,
            Start + TimeSpan.FromHours(8760)
        );
        var leaf = ca.Issue(template, leafKey.PublicKey, out var clamped);

        Assert.False(clamped);
        Assert.Equal(
            ["2.5.29.15", "2.5.29.37", "2.5.29.19", "2.5.29.35", "2.5.29.17"],
            leaf.Extensions.Select(e => e.Oid!.Value).ToList()
        );
        Assert.Equal(Convert.FromHexString("030205A0"), leaf.Extensions["2.5.29.15"]!.RawData);
        Assert.Equal(Convert.FromHexString("3000"), leaf.Extensions["2.5.29.19"]!.RawData);
        Assert.True(leaf.Extensions["2.5.29.19"]!.Critical);
        var aki = (X509AuthorityKeyIdentifierExtension)leaf.Extensions["2.5.29.35"]!;
        Assert.Equal(CertificateAuthority.SubjectKeyIdOf(ca.Certificate), aki.KeyIdentifier!.Value.ToArray());
        Assert.Null(aki.SerialNumber);
        Assert.Equal(ca.Certificate.SubjectName.RawData, leaf.IssuerName.RawData);
        Assert.Equal(Start.UtcDateTime.AddMinutes(-5), leaf.NotBefore.ToUniversalTime());
        Assert.Equal(Start.UtcDateTime.AddHours(8760), leaf.NotAfter.ToUniversalTime());
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, "1.2.840.10045.4.3.2")]
    [InlineData(KeyAlgorithm.EcdsaP384, "1.2.840.10045.4.3.3")]
    [InlineData(KeyAlgorithm.Rsa2048, "1.2.840.113549.1.1.11")]
    public void Signature_algorithm_follows_the_ca_key(KeyAlgorithm algorithm, string signatureOid)
    {
        var (ca, _) = NewCa(algorithm);
        Assert.Equal(signatureOid, ca.Certificate.SignatureAlgorithm.Value);
    }

    [Fact]
    public void A_leaf_never_outlives_its_ca()
    {
        var (ca, _) = NewCa(validity: TimeSpan.FromDays(30));
        using var leafKey = FixtureKeys.Shared.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate(
            "x",
            [],
            false,
            [],
            [],
            [ExtendedKeyUsageOids.ClientAuth],
            Start,
            Start + TimeSpan.FromDays(365)
        );

        var leaf = ca.Issue(template, leafKey.PublicKey, out var clamped);

        Assert.True(clamped);
        Assert.Equal(ca.Certificate.NotAfter, leaf.NotAfter);
    }

    [Fact]
    public void Serials_are_positive_random_and_at_most_8_bytes_without_padding()
    {
        var serials = Enumerable.Range(0, 200).Select(_ => SerialNumber.NewRandom()).ToList();
        Assert.All(serials, s => Assert.InRange(s.Length, 1, 8));
        Assert.All(serials, s => Assert.True(s[0] < 0x80));
        Assert.All(serials.Where(s => s.Length > 1), s => Assert.True(s[0] != 0 || s[1] >= 0x80)); // minimal DER
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Keyless_ca_refuses_to_sign()
    {
        var (ca, _) = NewCa();
        var keyless = new CertificateAuthority(ca.Certificate, null);
        using var key = FixtureKeys.Shared.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate("x", [], false, [], [], [], Start, Start.AddDays(1));
        var e = Assert.Throws<KubePkiException>(() => keyless.Issue(template, key.PublicKey, out _));
        Assert.Equal(KubePkiErrorKind.Conflict, e.Kind);
    }
}
