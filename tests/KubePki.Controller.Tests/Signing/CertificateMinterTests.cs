using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using KubePki.Crypto;

namespace KubePki.Controller.Tests.Signing;

/// <summary>The minter writes the TBSCertificate itself; these tests hold it to what .NET's CertificateRequest.Create
/// writes for the same inputs (the builder the signer used before): same serial, same bytes. RSA PKCS#1 v1.5
/// signatures are deterministic, so with an RSA CA the whole certificate must be identical.</summary>
public class CertificateMinterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CertificateAuthority RsaCa = TestCa.Create(Now, rsa: true);
    private static readonly CertificateAuthority EcdsaCa = TestCa.Create(Now);
    private static readonly byte[] Serial = [0x00, 0x9f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

    private static readonly SigningWindow Window = SigningWindow.Compute(
        Now,
        SigningWindow.DefaultClusterSigningDuration,
        Now + TimeSpan.FromDays(3650)
    );

    public static TheoryData<string> Requests() =>
        ["serving", "rsa-serving", "ipv6", "empty-subject", "emails-and-uris", "no-sans", "many-attributes"];

    private static CsrRequest Request(string name) =>
        CsrRequestParser.Parse(
            CsrFactory.Pem(
                name switch
                {
                    "serving" => CsrSpec.ForNode("node1", "10.0.0.1"),
                    "rsa-serving" => CsrSpec.ForNode("node2", "10.0.0.2", "192.168.1.9") with { Key = "rsa" },
                    "ipv6" => CsrSpec.ForNode("node3", "fd00::3", "::ffff:10.0.0.3"),
                    "empty-subject" => new CsrSpec { Subject = new X500DistinguishedName([0x30, 0x00]) },
                    "emails-and-uris" => new CsrSpec
                    {
                        CommonName = "client",
                        Organizations = [],
                        DnsNames = ["a.example", "b.example"],
                        Emails = ["x@example.com"],
                        Uris = [new Uri("spiffe://cluster/ns/default/sa/x")],
                    },
                    "no-sans" => new CsrSpec
                    {
                        CommonName = "system:node:node4",
                        DnsNames = [],
                        IpAddresses = [],
                    },
                    "many-attributes" => new CsrSpec
                    {
                        Subject = new X500DistinguishedName("CN=a, CN=b, O=z, O=y, OU=u, C=DE, L=Köln, ST=NRW"),
                    },
                    _ => throw new ArgumentException(name),
                }
            )
        );

    [Theory]
    [MemberData(nameof(Requests))]
    public void With_an_rsa_ca_the_certificate_is_byte_for_byte_what_certificaterequest_writes(string name)
    {
        var request = Request(name);
        string[] usages = ["digital signature", "key encipherment", "server auth", "client auth"];

        var minted = CertificateMinter.Mint(request, usages, Window, RsaCa, Serial);

        Assert.Equal(Reference(request, usages, Window, RsaCa, Serial), minted);
    }

    [Theory]
    [InlineData("signing")]
    [InlineData("cert sign,crl sign")]
    [InlineData("any,server auth,client auth,code signing,ocsp signing")]
    [InlineData("server auth")]
    [InlineData("digital signature,content commitment,key agreement,encipher only,decipher only")]
    public void Every_usage_mapping_matches(string usages)
    {
        var request = Request("serving");
        var list = usages.Split(',');

        // Twice: the second time the usage extensions come from the cache.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(
                Reference(request, list, Window, RsaCa, Serial),
                CertificateMinter.Mint(request, list, Window, RsaCa, Serial)
            );
        }
    }

    [Fact]
    public void Times_from_2050_on_are_generalized_times_as_certificaterequest_writes_them()
    {
        var request = Request("serving");
        var window = new SigningWindow(
            new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero),
            new DateTimeOffset(2050, 1, 1, 0, 0, 0, TimeSpan.Zero),
            null
        );

        var minted = CertificateMinter.Mint(request, Csrs.EcdsaServingUsages, window, RsaCa, Serial);

        Assert.Equal(Reference(request, Csrs.EcdsaServingUsages, window, RsaCa, Serial), minted);
        using var certificate = X509CertificateLoader.LoadCertificate(minted);
        Assert.Equal(window.NotAfter.UtcDateTime, certificate.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void With_an_ecdsa_ca_the_signed_part_matches_and_the_signature_verifies()
    {
        var request = Request("serving");

        var minted = CertificateMinter.Mint(request, Csrs.EcdsaServingUsages, Window, EcdsaCa, Serial);

        var reference = Reference(request, Csrs.EcdsaServingUsages, Window, EcdsaCa, Serial);
        Assert.Equal(SignedPart(reference).Tbs, SignedPart(minted).Tbs);
        Assert.Equal(SignedPart(reference).Algorithm, SignedPart(minted).Algorithm);
        using var certificate = X509CertificateLoader.LoadCertificate(minted);
        using var chain = new X509Chain
        {
            ChainPolicy =
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                VerificationTime = Now.UtcDateTime,
            },
        };
        chain.ChainPolicy.CustomTrustStore.Add(EcdsaCa.Certificate);
        Assert.True(chain.Build(certificate));
    }

    [Fact]
    public void The_pem_is_what_pemcodec_writes()
    {
        var minted = CertificateMinter.Mint(Request("serving"), Csrs.EcdsaServingUsages, Window, RsaCa);

        using var certificate = X509CertificateLoader.LoadCertificate(minted);
        Assert.Equal(PemCodec.EncodeCertificate(certificate), CertificateMinter.Pem(minted));
    }

    [Fact]
    public void Unknown_usages_are_an_argument_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            CertificateMinter.Mint(Request("serving"), ["server auth", "bogus"], Window, RsaCa)
        );
        Assert.Contains("unrecognized usage values: [bogus]", error.Message);
    }

    // (tbsCertificate, signatureAlgorithm) of a Certificate: everything but the signature value.
    private static (byte[] Tbs, byte[] Algorithm) SignedPart(byte[] certificate)
    {
        var sequence = new AsnReader(certificate, AsnEncodingRules.DER).ReadSequence();
        return (sequence.ReadEncodedValue().ToArray(), sequence.ReadEncodedValue().ToArray());
    }

    // The minter as it was written with CertificateRequest, kept here as the oracle.
    private static byte[] Reference(
        CsrRequest request,
        IReadOnlyList<string> usages,
        SigningWindow window,
        CertificateAuthority ca,
        byte[] serial
    )
    {
        var key = ca.Key!;
        var (keyUsage, extendedKeyUsages) = KeyUsages.Map(usages);
        var subject = CertificateSubject.FromRequest(request.Subject);
        var builder = new CertificateRequest(subject, request.PublicKey, key.SignatureHash);
        if (keyUsage != X509KeyUsageFlags.None)
        {
            builder.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, critical: true));
        }
        if (extendedKeyUsages.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in extendedKeyUsages)
            {
                oids.Add(new Oid(oid));
            }
            builder.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        }
        builder.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        if (CertificateAuthority.SubjectKeyIdOf(ca.Certificate) is { Length: > 0 } authorityKeyId)
        {
            builder.CertificateExtensions.Add(
                X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authorityKeyId)
            );
        }
        if (request.DnsNames.Count + request.IpAddresses.Count + request.EmailAddresses.Count + request.Uris.Count > 0)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                foreach (var dns in request.DnsNames)
                {
                    writer.WriteCharacterString(
                        UniversalTagNumber.IA5String,
                        dns,
                        new Asn1Tag(TagClass.ContextSpecific, 2)
                    );
                }
                foreach (var email in request.EmailAddresses)
                {
                    writer.WriteCharacterString(
                        UniversalTagNumber.IA5String,
                        email,
                        new Asn1Tag(TagClass.ContextSpecific, 1)
                    );
                }
                foreach (var ip in request.IpAddresses)
                {
                    writer.WriteOctetString(ip.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
                }
                foreach (var uri in request.Uris)
                {
                    writer.WriteCharacterString(
                        UniversalTagNumber.IA5String,
                        uri,
                        new Asn1Tag(TagClass.ContextSpecific, 6)
                    );
                }
            }
            builder.CertificateExtensions.Add(
                new X509Extension("2.5.29.17", writer.Encode(), critical: subject.RawData.Length <= 2)
            );
        }
        using var certificate = builder.Create(
            ca.Certificate.SubjectName,
            key.CreateSignatureGenerator(),
            window.NotBefore,
            window.NotAfter,
            serial
        );
        return certificate.RawData;
    }
}
