using System.Security.Cryptography;
using KubePki.Crypto;

namespace KubePki.Tests.Crypto;

/// <summary>The OpenSSL ECDSA check says "valid" exactly when .NET's own verification does, on every NIST curve; a
/// point or signature it cannot use is "not valid here", never an exception.</summary>
public class OpenSslEcdsaTests
{
    private static readonly byte[] Message = "certificationRequestInfo"u8.ToArray();

    public static TheoryData<string, string> Curves =>
        new()
        {
            { "1.2.840.10045.3.1.7", "SHA256" },
            { "1.3.132.0.34", "SHA384" },
            { "1.3.132.0.35", "SHA512" },
        };

    private static (byte[] Point, byte[] Digest, byte[] Signature) Signed(string curveOid, string hash)
    {
        using var key = ECDsa.Create(ECCurve.CreateFromValue(curveOid));
        var name = new HashAlgorithmName(hash);
        var q = key.ExportParameters(false).Q;
        return (
            [4, .. q.X!, .. q.Y!],
            CryptographicOperations.HashData(name, Message),
            key.SignData(Message, name, DSASignatureFormat.Rfc3279DerSequence)
        );
    }

    [Fact]
    public void OpenSsl_is_found_on_linux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), OpenSslEcdsa.IsAvailable);
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void A_valid_signature_is_valid(string curveOid, string hash)
    {
        var (point, digest, signature) = Signed(curveOid, hash);

        Assert.True(OpenSslEcdsa.Verify(curveOid, point, digest, signature));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void A_changed_digest_signature_or_key_is_not_valid(string curveOid, string hash)
    {
        var (point, digest, signature) = Signed(curveOid, hash);
        var (otherPoint, _, _) = Signed(curveOid, hash);
        var changedDigest = (byte[])digest.Clone();
        changedDigest[0] ^= 1;
        var changedSignature = (byte[])signature.Clone();
        changedSignature[^1] ^= 1;

        Assert.False(OpenSslEcdsa.Verify(curveOid, point, changedDigest, signature));
        Assert.False(OpenSslEcdsa.Verify(curveOid, point, digest, changedSignature));
        Assert.False(OpenSslEcdsa.Verify(curveOid, otherPoint, digest, signature));
    }

    [Fact]
    public void A_point_off_the_curve_an_unknown_curve_or_garbage_is_not_valid()
    {
        var (point, digest, signature) = Signed("1.2.840.10045.3.1.7", "SHA256");
        var offCurve = (byte[])point.Clone();
        offCurve[^1] ^= 1;

        Assert.False(OpenSslEcdsa.Verify("1.2.840.10045.3.1.7", offCurve, digest, signature));
        Assert.False(OpenSslEcdsa.Verify("1.3.132.0.10", point, digest, signature)); // secp256k1: not served
        Assert.False(OpenSslEcdsa.Verify("1.2.840.10045.3.1.7", [], digest, signature));
        Assert.False(OpenSslEcdsa.Verify("1.2.840.10045.3.1.7", point, digest, []));
        Assert.False(OpenSslEcdsa.Verify("1.2.840.10045.3.1.7", point, digest, [0x30, 0x03, 0x02, 0x01]));
    }

    [Fact]
    public void A_refusal_leaves_no_error_behind_for_the_platform()
    {
        var (point, digest, signature) = Signed("1.2.840.10045.3.1.7", "SHA256");
        var offCurve = (byte[])point.Clone();
        offCurve[^1] ^= 1;
        Assert.False(OpenSslEcdsa.Verify("1.2.840.10045.3.1.7", offCurve, digest, signature));

        // .NET's next OpenSSL call on this thread works as if nothing had happened.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.True(key.VerifyData(Message, key.SignData(Message, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
    }
}
