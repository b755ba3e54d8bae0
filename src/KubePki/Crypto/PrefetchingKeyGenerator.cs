using System.Runtime.ExceptionServices;
using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>Generates keys ahead of use on all cores: RSA key generation dominates a PKI run (~0.2 s a key) and the
/// keys are independent, so a run that knows it needs N keys asks for them at once.</summary>
/// <remarks>One thread per core takes the next key nobody generates yet, so every core works until the last key is
/// under way. The thread pool would start with one worker per core, then add one after about a second of busy workers,
/// and three key generations sharing two cores finished the run measurably later. The keys are interchangeable, so
/// <see cref="Generate"/> hands out whichever was finished first: waiting for one particular key would hold up work
/// that a finished key allows.</remarks>
/// <param name="workers">How many keys are generated at once.</param>
internal sealed class PrefetchingKeyGenerator(IKeyGenerator inner, int workers) : IKeyGenerator
{
    private readonly object _gate = new();
    private readonly Dictionary<KeyAlgorithm, Demand> _demand = [];
    private int _running;

    public PrefetchingKeyGenerator(IKeyGenerator inner)
        : this(inner, Environment.ProcessorCount) { }

    public void Prefetch(KeyAlgorithm algorithm, int count)
    {
        if (count <= 0)
        {
            return;
        }
        lock (_gate)
        {
            if (!_demand.TryGetValue(algorithm, out var demand))
            {
                demand = new Demand();
                _demand[algorithm] = demand;
            }
            demand.Promised += count;
            var start = Math.Min(Math.Max(1, workers) - _running, _demand.Values.Sum(d => d.Unstarted));
            for (var i = 0; i < start; i++)
            {
                _running++;
                new Thread(Work) { IsBackground = true, Name = "key generator" }.Start();
            }
        }
    }

    /// <summary>A prefetched key of that type when one was asked for (waiting for the first to be finished), else a key
    /// made on the calling thread.</summary>
    public PrivateKey Generate(KeyAlgorithm algorithm)
    {
        Result? result = null;
        lock (_gate)
        {
            if (_demand.TryGetValue(algorithm, out var demand) && demand.Promised > 0)
            {
                while (demand.Ready.Count == 0)
                {
                    Monitor.Wait(_gate);
                }
                result = demand.Ready.Dequeue();
                demand.Promised--;
            }
        }
        return result is null ? inner.Generate(algorithm) : result.Get();
    }

    private void Work()
    {
        while (true)
        {
            Demand? demand;
            KeyAlgorithm algorithm;
            lock (_gate)
            {
                (algorithm, demand) = _demand.FirstOrDefault(d => d.Value.Unstarted > 0);
                if (demand is null)
                {
                    _running--;
                    return;
                }
                demand.Started++;
            }
            Result result;
            try
            {
                result = new Result(inner.Generate(algorithm), null);
            }
            catch (Exception e)
            {
                // Rethrown by the Generate that receives it, as the key would have been returned.
                result = new Result(null, ExceptionDispatchInfo.Capture(e));
            }
            lock (_gate)
            {
                demand.Started--;
                demand.Ready.Enqueue(result);
                Monitor.PulseAll(_gate);
            }
        }
    }

    private sealed class Demand
    {
        /// <summary>Keys prefetched and not handed out yet.</summary>
        public int Promised;

        /// <summary>Keys being generated now.</summary>
        public int Started;

        /// <summary>Finished keys, in the order they were finished.</summary>
        public Queue<Result> Ready { get; } = new();

        public int Unstarted => Promised - Ready.Count - Started;
    }

    private sealed record Result(PrivateKey? Key, ExceptionDispatchInfo? Error)
    {
        public PrivateKey Get()
        {
            Error?.Throw();
            return Key!;
        }
    }
}
