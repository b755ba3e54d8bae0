using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>An old certificate with a DNS name .NET cannot write back (Go writes anything): the renewal fails with a
/// line naming the name and the item, and the certificate is left as it was.</summary>
public class UnencodableSanTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void Renewing_a_certificate_with_an_empty_dns_label_fails_naming_it_and_changes_nothing()
    {
        using var dir = cluster.Copy();
        var certPath = dir.Combine("pki", "apiserver.crt");
        WriteLeafWithDnsName(dir, "a..b");
        var before = File.ReadAllBytes(certPath);

        var result = CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start.AddDays(30)),
            null,
            ["certs", "renew", "apiserver", "--cert-dir", dir.Combine("pki"), "--kubeconfig-dir", dir.Path]
        );

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the DNS name \"a..b\" cannot be written into a certificate", result.Error);
        Assert.Contains("apiserver", result.Error);
        Assert.Equal(before, File.ReadAllBytes(certPath));
    }

    /// <summary>apiserver.crt/.key replaced by a leaf of the cluster CA whose subjectAltName holds
    /// <paramref name="dnsName"/> as raw bytes (SubjectAlternativeNameBuilder would refuse it).</summary>
    private static void WriteLeafWithDnsName(TempDir dir, string dnsName)
    {
        using var ca = X509Certificate2.CreateFromPemFile(dir.Combine("pki", "ca.crt"), dir.Combine("pki", "ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var san = new AsnWriter(AsnEncodingRules.DER);
        using (san.PushSequence())
        {
            san.WriteCharacterString(UniversalTagNumber.IA5String, dnsName, new Asn1Tag(TagClass.ContextSpecific, 2));
        }
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", san.Encode(), critical: false));
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)
        );
        using var caKey = ca.GetRSAPrivateKey()!;
        using var leaf = request.Create(
            ca.SubjectName,
            X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
            ClusterFixture.Start,
            ClusterFixture.Start.AddDays(365),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        File.WriteAllText(dir.Combine("pki", "apiserver.crt"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(dir.Combine("pki", "apiserver.key"), key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
