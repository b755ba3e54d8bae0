using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>Makes new private keys. Tests swap in fixture keys so RSA generation costs no test time.</summary>
public interface IKeyGenerator
{
    PrivateKey Generate(KeyAlgorithm algorithm);
}
