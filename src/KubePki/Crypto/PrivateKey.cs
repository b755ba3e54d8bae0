using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Crypto;

/// <summary>An RSA or ECDSA private key, with what signing and PEM encoding need to know about it.</summary>
public sealed class PrivateKey : IDisposable
{
    private PrivateKey(AsymmetricAlgorithm key) => Key = key;

    public AsymmetricAlgorithm Key { get; }

    public static PrivateKey From(RSA rsa) => new(rsa);

    public static PrivateKey From(ECDsa ecdsa) => new(ecdsa);

    public PublicKey PublicKey =>
        Key switch
        {
            RSA rsa => new PublicKey(rsa),
            ECDsa ec => new PublicKey(ec),
            _ => throw new NotSupportedException(),
        };

    internal string Description =>
        Key switch
        {
            RSA rsa => $"RSA-{rsa.KeySize}",
            ECDsa ec => $"ECDSA-P{ec.KeySize}",
            _ => Key.GetType().Name,
        };

    /// <summary>The digest Go's x509 picks for this signing key: SHA-384 for P-384, SHA-256 otherwise.</summary>
    internal HashAlgorithmName SignatureHash =>
        Key is ECDsa { KeySize: 384 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    internal X509SignatureGenerator CreateSignatureGenerator() =>
        Key switch
        {
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
            _ => throw new NotSupportedException(),
        };

    /// <summary>kubeadm's PEM: PKCS#1 <c>RSA PRIVATE KEY</c> or SEC1 <c>EC PRIVATE KEY</c>, 64 columns, one trailing
    /// newline.</summary>
    public string ToPem() =>
        (
            Key switch
            {
                RSA rsa => rsa.ExportRSAPrivateKeyPem(),
                ECDsa ec => ec.ExportECPrivateKeyPem(),
                _ => throw new NotSupportedException(),
            }
        ) + "\n";

    public string PublicKeyPem() => Key.ExportSubjectPublicKeyInfoPem() + "\n";

    public bool Matches(X509Certificate2 certificate) =>
        Key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    public void Dispose() => Key.Dispose();
}
