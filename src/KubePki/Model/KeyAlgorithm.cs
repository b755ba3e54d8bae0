namespace KubePki.Model;

/// <summary>Key types kubeadm offers through <c>encryptionAlgorithm</c>.</summary>
public enum KeyAlgorithm
{
    /// <summary>RSA, 2048 bits (<c>RSA-2048</c>, kubeadm's default).</summary>
    Rsa2048,

    /// <summary>RSA, 3072 bits (<c>RSA-3072</c>).</summary>
    Rsa3072,

    /// <summary>RSA, 4096 bits (<c>RSA-4096</c>).</summary>
    Rsa4096,

    /// <summary>ECDSA on NIST P-256 (<c>ECDSA-P256</c>).</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384 (<c>ECDSA-P384</c>).</summary>
    EcdsaP384,
}

internal static class KeyAlgorithms
{
    /// <summary>kubeadm's spelling, as written in a v1beta4 ClusterConfiguration.</summary>
    public static string ToKubeadmName(this KeyAlgorithm algorithm) =>
        algorithm switch
        {
            KeyAlgorithm.Rsa2048 => "RSA-2048",
            KeyAlgorithm.Rsa3072 => "RSA-3072",
            KeyAlgorithm.Rsa4096 => "RSA-4096",
            KeyAlgorithm.EcdsaP256 => "ECDSA-P256",
            KeyAlgorithm.EcdsaP384 => "ECDSA-P384",
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };

    /// <summary>Parses kubeadm's names; "" means the default RSA-2048, as in kubeadm.</summary>
    public static bool TryParse(string? name, out KeyAlgorithm algorithm)
    {
        foreach (var candidate in Enum.GetValues<KeyAlgorithm>())
        {
            if (string.Equals(candidate.ToKubeadmName(), name, StringComparison.Ordinal))
            {
                algorithm = candidate;
                return true;
            }
        }
        algorithm = KeyAlgorithm.Rsa2048;
        return string.IsNullOrEmpty(name);
    }
}
