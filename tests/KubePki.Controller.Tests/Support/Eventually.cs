namespace KubePki.Controller.Tests.Support;

/// <summary>Polls until a condition holds. The deadline only bounds a failing test; nothing asserts on
/// durations.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? deadline = null)
        where T : class
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        await GetAsync(() => Task.FromResult(condition() ? "" : null), what, deadline);
}
