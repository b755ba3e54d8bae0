using System.Threading.Channels;

namespace KubePki.InCluster;

/// <summary>client-go's rate-limited work queue, reduced to what the controller needs: a key is queued at most once,
/// is never handed to two workers at the same time (re-adds while it is processed run after <see cref="Done"/>), and
/// failures come back after a per-key exponential back-off.</summary>
public sealed class WorkQueue(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<ITimer> _timers = [];
    private bool _shutdown;

    public int Length
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            if (_shutdown)
            {
                return;
            }
            if (_processing.Contains(key))
            {
                _dirty.Add(key);
                return;
            }
            if (_queued.Add(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Queues the key again after its back-off: base × 2^failures, capped.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        int failures;
        lock (_gate)
        {
            failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
        }
        var delay = TimeSpan.FromTicks(Math.Min(maxDelay.Ticks, baseDelay.Ticks * (1L << Math.Min(failures, 30))));
        // Pending timers are kept referenced: an unreferenced System.Threading.Timer may be collected before it fires.
        var holder = new ITimer?[1];
        lock (_gate)
        {
            holder[0] = time.CreateTimer(
                _ =>
                {
                    lock (_gate)
                    {
                        _timers.Remove(holder[0]!);
                    }
                    holder[0]!.Dispose();
                    Add(key);
                },
                null,
                Timeout.InfiniteTimeSpan,
                Timeout.InfiniteTimeSpan
            );
            _timers.Add(holder[0]!);
        }
        holder[0]!.Change(delay, Timeout.InfiniteTimeSpan);
        return delay;
    }

    public void Forget(string key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public int Failures(string key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>The next key to process; null once the queue is shut down.</summary>
    public async Task<string?> GetAsync(CancellationToken cancellationToken)
    {
        while (await _ready.Reader.WaitToReadAsync(cancellationToken))
        {
            lock (_gate)
            {
                if (_ready.Reader.TryRead(out var key))
                {
                    _queued.Remove(key);
                    _processing.Add(key);
                    return key;
                }
            }
        }
        return null;
    }

    public void Done(string key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Remove(key) && !_shutdown && _queued.Add(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    public void ShutDown()
    {
        lock (_gate)
        {
            _shutdown = true;
            _ready.Writer.TryComplete();
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }
            _timers.Clear();
        }
    }
}
