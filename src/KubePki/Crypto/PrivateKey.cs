using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Crypto;

/// <summary>An RSA or ECDSA private key, with what signing and PEM encoding need to know about it.</summary>
public sealed class PrivateKey : IDisposable
{
    private PrivateKey(AsymmetricAlgorithm key) => Key = key;

    /// <summary>The key itself: an <see cref="RSA"/> or an <see cref="ECDsa"/>.</summary>
    public AsymmetricAlgorithm Key { get; }

    /// <summary>Wraps an RSA key; this object owns it from now on.</summary>
    public static PrivateKey From(RSA rsa) => new(rsa);

    /// <summary>Wraps an ECDSA key; this object owns it from now on.</summary>
    public static PrivateKey From(ECDsa ecdsa) => new(ecdsa);

    /// <summary>The public half, as it goes into a certificate or CSR.</summary>
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

    /// <summary>The public key as a PKIX <c>PUBLIC KEY</c> PEM block (the format of kubeadm's <c>sa.pub</c>), with a
    /// trailing newline.</summary>
    public string PublicKeyPem() => Key.ExportSubjectPublicKeyInfoPem() + "\n";

    /// <summary>Whether <paramref name="certificate"/> carries this key's public key.</summary>
    public bool Matches(X509Certificate2 certificate) =>
        Key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>Disposes <see cref="Key"/>.</summary>
    public void Dispose() => Key.Dispose();
}
