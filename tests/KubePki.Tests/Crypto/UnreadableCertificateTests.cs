using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;

namespace KubePki.Tests.Crypto;

/// <summary>A certificate the platform loads but whose validity cannot be decoded is refused at the PEM
/// seam with one line naming the file, instead of a CryptographicException from a later read.</summary>
public class UnreadableCertificateTests
{
    private static byte[] SelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(start, start.AddDays(30));
        return certificate.RawData;
    }

    private static string Pem(byte[] der) => new(PemEncoding.Write("CERTIFICATE", der));

    private static void Replace(byte[] der, byte[] find, byte[] with)
    {
        var at = der.AsSpan().LastIndexOf(find);
        Assert.True(at >= 0);
        with.CopyTo(der.AsSpan(at));
    }

    [Fact]
    public void A_certificate_whose_validity_time_cannot_be_read_is_refused()
    {
        var der = SelfSigned("kubernetes");
        // notAfter UTCTime 260201030405Z: month 02 becomes 13.
        Replace(der, "260201030405Z"u8.ToArray(), "261301030405Z"u8.ToArray());

        var e = Assert.Throws<KubePkiException>(() => PemCodec.DecodeCertificates(Pem(der), "ca.crt"));

        Assert.StartsWith("ca.crt: malformed certificate: the validity period cannot be read", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
