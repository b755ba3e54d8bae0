using System.Collections.Concurrent;
using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>Generates keys ahead of use on all cores: RSA key generation dominates a PKI run (~0.27 s a key) and the
/// keys are independent, so a run that knows it needs N keys asks for them at once.</summary>
internal sealed class PrefetchingKeyGenerator(IKeyGenerator inner) : IKeyGenerator
{
    private readonly ConcurrentDictionary<KeyAlgorithm, ConcurrentQueue<Task<PrivateKey>>> _ready = new();

    public void Prefetch(KeyAlgorithm algorithm, int count)
    {
        var queue = _ready.GetOrAdd(algorithm, _ => new ConcurrentQueue<Task<PrivateKey>>());
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(Task.Run(() => inner.Generate(algorithm)));
        }
    }

    public PrivateKey Generate(KeyAlgorithm algorithm) =>
        _ready.TryGetValue(algorithm, out var queue) && queue.TryDequeue(out var next)
            ? next.GetAwaiter().GetResult()
            : inner.Generate(algorithm);
}
