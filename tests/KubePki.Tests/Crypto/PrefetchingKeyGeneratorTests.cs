using KubePki.Crypto;
using KubePki.Model;

namespace KubePki.Tests.Crypto;

/// <summary>Prefetched keys are handed out in the order they are finished, no more of them are under way at once than
/// there are workers, and a failed generation is rethrown where its key would have been returned.</summary>
public sealed class PrefetchingKeyGeneratorTests : IDisposable
{
    // A guard against hanging only: each wait ends as soon as the generator does what the test expects.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly GatedKeys _inner = new();

    public void Dispose() => _inner.Dispose();

    /// <summary>Makes each key when asked, then holds it until the test finishes that call; calls are numbered in the
    /// order they start.</summary>
    private sealed class GatedKeys : IKeyGenerator, IDisposable
    {
        private readonly SemaphoreSlim _started = new(0);
        private readonly Dictionary<int, SemaphoreSlim> _gates = [];
        private readonly Dictionary<int, (PrivateKey Key, KeyAlgorithm Algorithm, int Thread)> _made = [];
        private int _calls;
        private int _running;

        public int MostAtOnce { get; private set; }

        public PrivateKey Generate(KeyAlgorithm algorithm)
        {
            var key = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
            SemaphoreSlim gate;
            lock (_gates)
            {
                var index = _calls++;
                _made[index] = (key, algorithm, Environment.CurrentManagedThreadId);
                gate = GateOf(index);
                MostAtOnce = Math.Max(MostAtOnce, ++_running);
            }
            _started.Release();
            if (!gate.Wait(Patience))
            {
                throw new TimeoutException("the test never finished this key");
            }
            lock (_gates)
            {
                _running--;
            }
            return key;
        }

        public void WaitStarted(int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                Assert.True(_started.Wait(Patience), "no key generation started");
            }
        }

        public void Finish(int index)
        {
            lock (_gates)
            {
                GateOf(index).Release();
            }
        }

        public PrivateKey KeyOf(int index)
        {
            lock (_gates)
            {
                return _made[index].Key;
            }
        }

        public KeyAlgorithm AlgorithmOf(int index)
        {
            lock (_gates)
            {
                return _made[index].Algorithm;
            }
        }

        public int ThreadOf(int index)
        {
            lock (_gates)
            {
                return _made[index].Thread;
            }
        }

        public void Dispose()
        {
            lock (_gates)
            {
                foreach (var gate in _gates.Values)
                {
                    gate.Release(100);
                }
            }
        }

        private SemaphoreSlim GateOf(int index)
        {
            if (!_gates.TryGetValue(index, out var gate))
            {
                gate = new SemaphoreSlim(0);
                _gates[index] = gate;
            }
            return gate;
        }
    }

    private static T Within<T>(Func<T> action)
    {
        var task = Task.Run(action);
        Assert.True(task.Wait(Patience), "no key was handed out");
        return task.Result;
    }

    [Fact]
    public void The_key_finished_first_is_handed_out_first()
    {
        var keys = new PrefetchingKeyGenerator(_inner, workers: 2);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);
        _inner.WaitStarted(1);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);
        _inner.WaitStarted(1);

        _inner.Finish(1);
        Assert.Same(_inner.KeyOf(1), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));
        _inner.Finish(0);
        Assert.Same(_inner.KeyOf(0), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));
    }

    [Fact]
    public void No_more_keys_are_under_way_at_once_than_there_are_workers()
    {
        var keys = new PrefetchingKeyGenerator(_inner, workers: 1);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 3);

        for (var i = 0; i < 3; i++)
        {
            _inner.WaitStarted(1);
            _inner.Finish(i);
            Assert.Same(_inner.KeyOf(i), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));
        }
        Assert.Equal(1, _inner.MostAtOnce);
    }

    [Fact]
    public void A_key_of_each_type_goes_to_the_one_who_asks_for_that_type()
    {
        var keys = new PrefetchingKeyGenerator(_inner, workers: 2);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);
        keys.Prefetch(KeyAlgorithm.EcdsaP384, 1);
        _inner.WaitStarted(2);
        var ecdsaCall = _inner.AlgorithmOf(0) == KeyAlgorithm.EcdsaP384 ? 0 : 1;

        _inner.Finish(ecdsaCall);
        Assert.Same(_inner.KeyOf(ecdsaCall), Within(() => keys.Generate(KeyAlgorithm.EcdsaP384)));
        _inner.Finish(1 - ecdsaCall);
        Assert.Same(_inner.KeyOf(1 - ecdsaCall), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));
        Assert.Equal(KeyAlgorithm.Rsa2048, _inner.AlgorithmOf(1 - ecdsaCall));
    }

    [Fact]
    public void Keys_asked_for_later_are_generated_too()
    {
        var keys = new PrefetchingKeyGenerator(_inner, workers: 2);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);
        _inner.WaitStarted(1);
        _inner.Finish(0);
        Assert.Same(_inner.KeyOf(0), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));

        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);
        _inner.WaitStarted(1);
        _inner.Finish(1);
        Assert.Same(_inner.KeyOf(1), Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));
    }

    [Fact]
    public void A_key_not_prefetched_is_made_on_the_calling_thread()
    {
        var keys = new PrefetchingKeyGenerator(_inner, workers: 2);
        keys.Prefetch(KeyAlgorithm.EcdsaP384, 1);
        _inner.WaitStarted(1);
        _inner.Finish(1);

        var caller = 0;
        var key = Within(() =>
        {
            caller = Environment.CurrentManagedThreadId;
            return keys.Generate(KeyAlgorithm.Rsa2048);
        });

        Assert.Same(_inner.KeyOf(1), key);
        Assert.Equal(caller, _inner.ThreadOf(1));
        Assert.NotEqual(caller, _inner.ThreadOf(0));
    }

    private sealed class FailingKeys : IKeyGenerator
    {
        public PrivateKey Generate(KeyAlgorithm algorithm) => throw new InvalidOperationException("no entropy");
    }

    [Fact]
    public void A_failed_generation_is_rethrown_by_the_call_that_receives_it()
    {
        var keys = new PrefetchingKeyGenerator(new FailingKeys(), workers: 2);
        keys.Prefetch(KeyAlgorithm.Rsa2048, 1);

        var e = Assert.Throws<AggregateException>(() => Within(() => keys.Generate(KeyAlgorithm.Rsa2048)));

        Assert.Equal("no entropy", Assert.IsType<InvalidOperationException>(e.InnerException).Message);
    }
}
