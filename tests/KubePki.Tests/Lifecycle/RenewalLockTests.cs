using KubePki.Lifecycle;
using KubePki.Storage;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Lifecycle;

public class RenewalLockTests
{
    [Fact]
    public async Task A_waiting_run_measures_its_timeout_on_the_injected_clock()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("pki"));
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        StateDirectory.Prepare(DiskFileStore.Instance, scope);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var holder = RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.Zero, clock);

        var waiting = Task.Run(() =>
            RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.FromMinutes(5), clock)
        );

        // Real time passes but the clock does not: the second run still waits.
        Assert.False(await Finishes(waiting, TimeSpan.FromMilliseconds(500)));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await Finishes(waiting, TimeSpan.FromMilliseconds(200)));
        holder.Dispose();
        for (var i = 0; i < 100 && !waiting.IsCompleted; i++)
        {
            clock.Advance(FileLock.PollInterval);
            await Task.Delay(10);
        }
        Assert.True(await Finishes(waiting, TimeSpan.FromSeconds(10)), "the lock is taken once the holder lets go");
        (await waiting).Dispose();
    }

    [Fact]
    public async Task A_run_gives_up_when_the_clock_passes_its_timeout()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("pki"));
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        StateDirectory.Prepare(DiskFileStore.Instance, scope);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        using var holder = RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.Zero, clock);

        var waiting = Task.Run(() =>
            RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.FromSeconds(30), clock)
        );
        // Advance until it gives up, however late the waiting thread gets to run: a fixed number of advances could all
        // pass before it waits. This ends: each of its polls also ends after one poll interval of real time.
        while (!waiting.IsCompleted)
        {
            clock.Advance(FileLock.PollInterval);
            await Task.Delay(5);
        }

        var e = await Assert.ThrowsAsync<KubePkiException>(() => waiting);
        Assert.Equal(
            $"another renewal is running (lock {scope.LockPath} is held); try again when it has finished",
            e.Message
        );
        Assert.Equal(KubePkiErrorKind.Busy, e.Kind);
    }

    private static async Task<bool> Finishes(Task task, TimeSpan within) =>
        await Task.WhenAny(task, Task.Delay(within)) == task;
}
