namespace KubePki.Tests.ControlPlane;

/// <summary>A clock that moves only when the code under test waits: a timer moves the clock to its due time and fires
/// at once (on the thread pool). A wait of seconds takes no real time, so what a test sees follows from the sequence of
/// waits alone, not from how busy the machine is.</summary>
internal sealed class WaitingClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new OneShot(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class OneShot(WaitingClock clock, TimerCallback callback, object? state) : ITimer
    {
        private int _generation;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (period != Timeout.InfiniteTimeSpan)
            {
                throw new NotSupportedException("a periodic timer would never let the clock rest");
            }
            var generation = Interlocked.Increment(ref _generation);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }
            lock (clock._gate)
            {
                clock._now += dueTime;
            }
            ThreadPool.QueueUserWorkItem(
                _ =>
                {
                    if (Volatile.Read(ref _generation) == generation)
                    {
                        callback(state);
                    }
                },
                null
            );
            return true;
        }

        public void Dispose() => Interlocked.Increment(ref _generation);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
