using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Controller.Model;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using KubePki.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Controller.Tests.Signing;

public class CsrSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly CertificateAuthority _ca = TestCa.Create(Now);

    private CsrSigner Signer(CertificateAuthority? ca = null, TimeSpan? duration = null) =>
        new(
            SignerNames.All.ToDictionary(s => s, ISigningAuthoritySource (_) => new FixedAuthoritySource(ca ?? _ca)),
            duration ?? SigningWindow.DefaultClusterSigningDuration,
            _time
        );

    private static X509Certificate2 Issued(SignDecision decision)
    {
        Assert.Equal(SignOutcome.Issue, decision.Outcome);
        return PemCodec.DecodeCertificate(decision.CertificatePem, "status.certificate");
    }

    [Fact]
    public void An_approved_serving_csr_gets_kcms_certificate()
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1")).Approved();

        var certificate = Issued(Signer().Decide(csr));

        Assert.Equal("system:node:node1", CertificateFacts.CommonName(certificate));
        Assert.Equal(["system:nodes"], CertificateFacts.Organizations(certificate));
        Assert.Equal(["node1"], CertificateFacts.DnsNames(certificate));
        Assert.Equal([IPAddress.Parse("10.0.0.1")], CertificateFacts.IpAddresses(certificate));
        Assert.Equal([KubePki.Model.ExtendedKeyUsageOids.ServerAuth], CertificateFacts.ExtendedKeyUsages(certificate));
        Assert.Equal(
            X509KeyUsageFlags.DigitalSignature,
            certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages
        );
        Assert.False(CertificateFacts.IsCa(certificate));
        Assert.Equal(_ca.Certificate.SubjectName.RawData, certificate.IssuerName.RawData);
        Assert.Equal(Now - TimeSpan.FromMinutes(5), CertificateFacts.NotBefore(certificate));
        Assert.Equal(Now + TimeSpan.FromHours(8760) - TimeSpan.FromMinutes(5), CertificateFacts.NotAfter(certificate));
        using var chain = new X509Chain
        {
            ChainPolicy =
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                VerificationTime = Now.UtcDateTime,
            },
        };
        chain.ChainPolicy.CustomTrustStore.Add(_ca.Certificate);
        Assert.True(chain.Build(certificate));
    }

    [Fact]
    public void Csr_extensions_are_dropped_and_the_certificate_is_never_a_ca()
    {
        var spec = CsrSpec.ForNode("node1", "10.0.0.1") with
        {
            ExtraExtensions =
            [
                new X509BasicConstraintsExtension(true, true, 3, true),
                new X509Extension("1.2.3.4.5", [0x05, 0x00], false),
            ],
        };

        var certificate = Issued(Signer().Decide(Csrs.Serving(spec).Approved()));

        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(constraints.CertificateAuthority);
        Assert.False(constraints.HasPathLengthConstraint);
        Assert.DoesNotContain(certificate.Extensions.Cast<X509Extension>(), e => e.Oid!.Value == "1.2.3.4.5");
    }

    [Fact]
    public void Usages_map_to_key_usage_and_sorted_extended_key_usage()
    {
        var csr = Csrs.Serving(
                CsrSpec.ForNode("node1", "10.0.0.1"),
                signer: SignerNames.LegacyUnknown,
                usages:
                [
                    "client auth",
                    "signing",
                    "key encipherment",
                    "server auth",
                    "s/mime",
                    "email protection",
                    "cert sign",
                ]
            )
            .Approved();

        var certificate = Issued(Signer().Decide(csr));

        Assert.Equal(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign,
            certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages
        );
        Assert.Equal(
            ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4"],
            CertificateFacts.ExtendedKeyUsages(certificate)
        );
        Assert.False(CertificateFacts.IsCa(certificate));
    }

    [Fact]
    public void Serials_are_random_and_at_most_128_bits()
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1")).Approved();
        var serials = Enumerable
            .Range(0, 8)
            .Select(_ => Issued(Signer().Decide(csr)).SerialNumberBytes.ToArray())
            .ToList();

        Assert.Equal(8, serials.Select(Convert.ToHexString).Distinct().Count());
        Assert.All(serials, s => Assert.True(s.Length <= 17 && (s.Length < 17 || s[0] == 0)));
    }

    public static TheoryData<int?, int> Lifetimes =>
        new()
        {
            { null, 8760 * 3600 - 300 },
            { 600, 600 },
            { 300, 600 },
            { 3600, 3600 },
            { 8 * 3600, 8 * 3600 - 300 },
            { 400 * 24 * 3600, 8760 * 3600 - 300 },
        };

    [Theory]
    [MemberData(nameof(Lifetimes))]
    public void Expiration_seconds_follow_kcms_ttl_rules(int? expirationSeconds, int expectedSecondsAfterNow)
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1"), expirationSeconds: expirationSeconds).Approved();

        var certificate = Issued(Signer().Decide(csr));

        Assert.Equal(Now + TimeSpan.FromSeconds(expectedSecondsAfterNow), CertificateFacts.NotAfter(certificate));
    }

    [Fact]
    public void A_certificate_never_outlives_its_ca()
    {
        var ca = TestCa.Create(Now, TimeSpan.FromDays(30));

        var certificate = Issued(Signer(ca).Decide(Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1")).Approved()));

        Assert.Equal(CertificateFacts.NotAfter(ca.Certificate), CertificateFacts.NotAfter(certificate));
    }

    [Fact]
    public void An_expired_ca_refuses_to_sign_and_asks_for_a_retry()
    {
        var ca = TestCa.Create(Now - TimeSpan.FromDays(400), TimeSpan.FromDays(30));

        var decision = Signer(ca).Decide(Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1")).Approved());

        Assert.Equal(SignOutcome.Retry, decision.Outcome);
        Assert.Contains("the signer has expired", decision.Detail);
    }

    public static TheoryData<string> NotSignable =>
        new() { "pending", "denied", "approved and denied", "failed", "issued", "unserved signer" };

    [Theory]
    [MemberData(nameof(NotSignable))]
    public void Only_approved_live_csrs_of_served_signers_are_signed(string state)
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1"));
        csr = state switch
        {
            "pending" => csr,
            "denied" => csr.With(CsrCondition.Denied),
            "approved and denied" => csr.Approved().With(CsrCondition.Denied),
            "failed" => csr.Approved().With(CsrCondition.Failed),
            "issued" => csr.Approved() with { Certificate = "x"u8.ToArray() },
            _ => csr.Approved() with { SignerName = "example.com/other" },
        };

        Assert.Equal(SignOutcome.Skip, Signer().Decide(csr).Outcome);
    }

    [Fact]
    public void Per_signer_ca_only_serves_the_configured_signers()
    {
        var signer = new CsrSigner(
            new Dictionary<string, ISigningAuthoritySource>
            {
                [SignerNames.KubeApiServerClient] = new FixedAuthoritySource(_ca),
            },
            SigningWindow.DefaultClusterSigningDuration,
            _time
        );

        Assert.Equal(
            SignOutcome.Skip,
            signer.Decide(Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1")).Approved()).Outcome
        );
    }

    public static TheoryData<string, string, string> Invalid =>
        new()
        {
            { SignerNames.KubeletServing, "no O", "subject organization is not system:nodes" },
            { SignerNames.KubeletServing, "no SANs", "DNS or IP subjectAltName is required" },
            { SignerNames.KubeletServing, "email", "Email subjectAltNames are not allowed" },
            { SignerNames.KubeletServing, "uri", "URI subjectAltNames are not allowed" },
            {
                SignerNames.KubeletServing,
                "client usages",
                "usages did not match [digital signature key encipherment server auth]"
            },
            { SignerNames.KubeletServing, "user CN", "subject common name does not begin with system:node:" },
            { SignerNames.KubeletClient, "serving", "DNS subjectAltNames are not allowed" },
            { SignerNames.KubeletClient, "ip only", "IP subjectAltNames are not allowed" },
            { SignerNames.KubeApiServerClient, "serving", "invalid usage for client certificate: server auth" },
            {
                SignerNames.KubeApiServerClient,
                "signature only",
                "missing required usage for client certificate: client auth"
            },
        };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_csr_invalid_for_its_signer_fails_with_kcms_message(string signer, string shape, string message)
    {
        var spec = CsrSpec.ForNode("node1", "10.0.0.1");
        IReadOnlyList<string>? usages = null;
        switch (shape)
        {
            case "no O":
                spec = spec with { Organizations = [] };
                break;
            case "no SANs":
                spec = spec with { DnsNames = [], IpAddresses = [] };
                break;
            case "email":
                spec = spec with { Emails = ["a@b"] };
                break;
            case "uri":
                spec = spec with { Uris = [new Uri("https://x")] };
                break;
            case "client usages":
                usages = ["digital signature", "client auth"];
                break;
            case "user CN":
                spec = spec with { CommonName = "alice" };
                break;
            case "ip only":
                spec = spec with { DnsNames = [] };
                usages = ["digital signature", "client auth"];
                break;
            case "signature only":
                usages = ["digital signature"];
                break;
        }

        var decision = Signer().Decide(Csrs.Serving(spec, signer: signer, usages: usages).Approved());

        Assert.Equal(SignOutcome.Fail, decision.Outcome);
        Assert.Equal(message, decision.Detail);
    }

    [Fact]
    public void An_unparsable_request_is_retried_not_failed()
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1"), request: "garbage"u8.ToArray()).Approved();

        Assert.Equal(SignOutcome.Retry, Signer().Decide(csr).Outcome);
    }
}
