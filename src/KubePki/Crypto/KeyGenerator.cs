using System.Security.Cryptography;
using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>Fresh keys from the platform's crypto library.</summary>
public sealed class KeyGenerator : IKeyGenerator
{
    private KeyGenerator() { }

    /// <summary>The one instance (it has no state).</summary>
    public static KeyGenerator Instance { get; } = new();

    /// <inheritdoc/>
    public PrivateKey Generate(KeyAlgorithm algorithm) =>
        algorithm switch
        {
            KeyAlgorithm.Rsa2048 => Rsa(2048),
            KeyAlgorithm.Rsa3072 => Rsa(3072),
            KeyAlgorithm.Rsa4096 => Rsa(4096),
            KeyAlgorithm.EcdsaP256 => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
            KeyAlgorithm.EcdsaP384 => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP384)),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };

    // On Linux RSA.Create(size) defers generation to the key's first use; force it here so the cost is paid on the
    // thread that asked (PrefetchingKeyGenerator relies on that to generate keys in parallel).
    private static PrivateKey Rsa(int size)
    {
        var rsa = RSA.Create(size);
        _ = rsa.ExportSubjectPublicKeyInfo();
        return PrivateKey.From(rsa);
    }
}
