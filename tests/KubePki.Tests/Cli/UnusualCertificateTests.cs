using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>Existing certificates with unusual or malformed encodings: one clear line naming the file and the problem
/// from every command that reads them, never an exception; what Go's crypto/x509 accepts (multi-valued RDNs)
/// works.</summary>
public class UnusualCertificateTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start.AddDays(1));

    /// <summary>Replaces apiserver.crt with a certificate for the same key, signed by the cluster CA, with the given
    /// subject and extensions.</summary>
    private static void Forge(TempDir dir, X500DistinguishedName subject, params X509Extension[] extensions)
    {
        var pki = dir.Combine("pki");
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "ca.crt"), Path.Combine(pki, "ca.key"));
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(pki, "apiserver.key")));
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        foreach (var extension in extensions)
        {
            request.CertificateExtensions.Add(extension);
        }
        using var certificate = request.Create(
            ca,
            ClusterFixture.Start,
            ClusterFixture.Start.AddDays(365),
            [0x01, 0x23, 0x45]
        );
        File.WriteAllText(Path.Combine(pki, "apiserver.crt"), certificate.ExportCertificatePem() + "\n");
    }

    private static byte[] Der(Action<AsnWriter> write)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        write(writer);
        return writer.Encode();
    }

    private static byte[] GeneralNames(int tag, byte[] value) =>
        Der(w =>
        {
            using (w.PushSequence())
            {
                w.WriteOctetString(value, new Asn1Tag(TagClass.ContextSpecific, tag));
            }
        });

    public static TheoryData<string, string> Malformed =>
        new()
        {
            { "san-truncated", "subjectAltName" },
            { "ip-5-bytes", "IP address of 5 bytes" },
            { "dns-not-ia5", "DNS name" },
            { "eku-truncated", "extKeyUsage" },
            { "basic-constraints-truncated", "basicConstraints" },
        };

    private static X509Extension MalformedExtension(string @case) =>
        @case switch
        {
            "san-truncated" => new X509Extension("2.5.29.17", [0x30, 0x05, 0x82, 0x05, 0x61], false),
            "ip-5-bytes" => new X509Extension("2.5.29.17", GeneralNames(7, [10, 0, 0, 1, 2]), false),
            "dns-not-ia5" => new X509Extension("2.5.29.17", GeneralNames(2, "caf\u00e9.example"u8.ToArray()), false),
            "eku-truncated" => new X509Extension("2.5.29.37", [0x30, 0x04, 0x06, 0x05], false),
            _ => new X509Extension("2.5.29.19", [0x30, 0x03, 0x01, 0x01], true),
        };

    private static void AssertOneLine(CliRunner.Result result, string path, string what)
    {
        CliAssert.OneLineError(result, path, what);
        Assert.DoesNotContain("not signed by corresponding CA", result.Error);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_extension_is_one_line_naming_the_file_from_every_command(string @case, string what)
    {
        using var dir = cluster.Copy();
        Forge(dir, new X500DistinguishedName("CN=kube-apiserver"), MalformedExtension(@case));
        var path = dir.Combine("pki", "apiserver.crt");
        var before = TreeSnapshot.Of(dir.Path);

        AssertOneLine(
            CliRunner.Run(
                Clock,
                null,
                "init",
                "phase",
                "certs",
                "apiserver",
                "--cert-dir",
                dir.Combine("pki"),
                "--config",
                cluster.ConfigPath
            ),
            path,
            what
        );
        AssertOneLine(
            CliRunner.Run(
                Clock,
                null,
                "certs",
                "check-expiration",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path
            ),
            path,
            what
        );
        AssertOneLine(
            CliRunner.Run(
                Clock,
                null,
                "certs",
                "renew",
                "apiserver",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path
            ),
            path,
            what
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void An_unknown_critical_extension_is_named_instead_of_a_wrong_ca()
    {
        using var dir = cluster.Copy();
        Forge(
            dir,
            new X500DistinguishedName("CN=kube-apiserver"),
            new X509Extension("1.2.3.4.5", [0x05, 0x00], critical: true)
        );
        var result = CliRunner.Run(
            Clock,
            null,
            "init",
            "phase",
            "certs",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--config",
            cluster.ConfigPath
        );
        AssertOneLine(result, dir.Combine("pki", "apiserver.crt"), "critical extension 1.2.3.4.5");
    }

    [Fact]
    public void A_multi_valued_rdn_is_read_as_go_reads_it_and_renewal_flattens_it()
    {
        using var dir = cluster.Copy();
        var subject = new X500DistinguishedName(
            Der(w =>
            {
                using (w.PushSequence())
                using (w.PushSetOf())
                {
                    foreach (var (oid, value) in new[] { ("2.5.4.3", "kube-apiserver"), ("2.5.4.10", "team") })
                    {
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier(oid);
                            w.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                        }
                    }
                }
            })
        );
        Forge(dir, subject);

        var check = CliRunner.Run(
            Clock,
            null,
            "certs",
            "check-expiration",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        var renew = CliRunner.Run(
            Clock,
            null,
            "certs",
            "renew",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );

        Assert.True(check.ExitCode == 0, check.All);
        Assert.True(renew.ExitCode == 0, renew.All);
        var renewed = PemCodec.DecodeCertificate(
            File.ReadAllText(dir.Combine("pki", "apiserver.crt")),
            "apiserver.crt"
        );
        Assert.Equal("kube-apiserver", CertificateFacts.CommonName(renewed));
        Assert.Equal(["team"], CertificateFacts.Organizations(renewed));
    }
}
