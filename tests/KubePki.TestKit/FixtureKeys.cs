using KubePki.Crypto;
using KubePki.Model;

namespace KubePki.TestKit;

/// <summary>Keys for tests: RSA-2048 from committed test-only PEM files (handed out in rotation, so consecutive keys
/// differ), everything else generated (ECDSA costs ~0.3 ms). Keeps RSA key generation out of test time.</summary>
public sealed class FixtureKeys : IKeyGenerator
{
    private static readonly Lazy<string[]> RsaPems = new(() =>
        Directory
            .GetFiles(Path.Combine(AppContext.BaseDirectory, "testdata", "keys"), "rsa2048-*.key")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray()
    );

    private int _next;

    public static FixtureKeys Shared { get; } = new();

    public int Generated => _next;

    public PrivateKey Generate(KeyAlgorithm algorithm)
    {
        if (algorithm != KeyAlgorithm.Rsa2048)
        {
            return KeyGenerator.Instance.Generate(algorithm);
        }
        var pems = RsaPems.Value;
        var index = (Interlocked.Increment(ref _next) - 1) % pems.Length;
        return PemCodec.DecodePrivateKey(pems[index], $"fixture key {index}");
    }
}
