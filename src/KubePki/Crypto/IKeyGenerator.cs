using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>Makes new private keys. Tests swap in fixture keys so RSA generation costs no test time.</summary>
public interface IKeyGenerator
{
    /// <summary>A new key of the given type; the caller owns (and disposes) it.</summary>
    PrivateKey Generate(KeyAlgorithm algorithm);
}
