using System.Security.Cryptography;

namespace KubePki.Crypto;

/// <summary>Fresh keys from the platform's crypto library.</summary>
public sealed class KeyGenerator : IKeyGenerator
{
    public static KeyGenerator Instance { get; } = new();

    public PrivateKey Generate(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Rsa2048 => PrivateKey.From(RSA.Create(2048)),
        KeyAlgorithm.Rsa3072 => PrivateKey.From(RSA.Create(3072)),
        KeyAlgorithm.Rsa4096 => PrivateKey.From(RSA.Create(4096)),
        KeyAlgorithm.EcdsaP256 => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        KeyAlgorithm.EcdsaP384 => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP384)),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
