using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>List, then watch from the list's resourceVersion; re-watch when the stream ends, re-list when the server
/// says the version is gone (410) or the watch fails. Keeps the latest object per name and queues every change, plus
/// every known CSR once per resync period, so a missed event is repaired by the next resync.</summary>
public sealed class CsrInformer(
    KubeCsrApi api,
    WorkQueue queue,
    TimeSpan resyncPeriod,
    ILogger logger,
    TimeProvider time
)
{
    private readonly ConcurrentDictionary<string, V1CertificateSigningRequest> _cache = new(StringComparer.Ordinal);

    public bool HasSynced { get; private set; }

    /// <summary>Called once the first list is in the cache, before its items are queued, so readiness never lags
    /// behind the work it gates.</summary>
    public Action? OnSynced { get; set; }

    public int WatchRestarts { get; private set; }

    public V1CertificateSigningRequest? Get(string name) => _cache.TryGetValue(name, out var csr) ? csr : null;

    public IReadOnlyCollection<string> Keys => _cache.Keys.ToList();

    /// <summary>Replaces the cached copy with a newer one the controller itself read or wrote.</summary>
    public void Remember(V1CertificateSigningRequest csr)
    {
        _cache.AddOrUpdate(csr.Metadata.Name, csr, (_, old) => Newer(csr, old) ? csr : old);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var resync = new PeriodicTimer(resyncPeriod, time);
        var resyncLoop = ResyncAsync(resync, cancellationToken);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var version = await ListAsync(cancellationToken);
                failures = 0;
                await WatchAsync(version, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(failures, 8))));
                logger.LogWarning("listing/watching CSRs failed ({Error}); retrying in {Delay}", e.Message, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await resyncLoop;
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = await api.ListAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var csr in list.Items)
        {
            names.Add(csr.Metadata.Name);
            _cache[csr.Metadata.Name] = csr;
        }
        foreach (var gone in _cache.Keys.Where(k => !names.Contains(k)))
        {
            _cache.TryRemove(gone, out _);
        }
        if (!HasSynced)
        {
            HasSynced = true;
            OnSynced?.Invoke();
        }
        foreach (var name in names)
        {
            queue.Add(name);
        }
        return list.Metadata.ResourceVersion;
    }

    /// <summary>Watches until the stream ends (then watches again from the last version) or must re-list.</summary>
    private async Task WatchAsync(string version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? error = null;
            // client-go picks 5–10 minutes; a server may end the stream sooner, which just means watching again.
            var timeout = 300 + Random.Shared.Next(300);
            await foreach (var (type, csr) in api.WatchAsync(version, timeout, e => error ??= e, cancellationToken))
            {
                version = csr.Metadata.ResourceVersion ?? version;
                if (type == "DELETED")
                {
                    _cache.TryRemove(csr.Metadata.Name, out _);
                    continue;
                }
                if (type is "ADDED" or "MODIFIED")
                {
                    Remember(csr);
                    queue.Add(csr.Metadata.Name);
                }
            }
            WatchRestarts++;
            if (error is not null)
            {
                // 410 Gone (or any error event): our version is too old or the stream is broken; start from a list.
                logger.LogInformation("CSR watch ended with {Error}; re-listing", error.Message);
                return;
            }
        }
    }

    private async Task ResyncAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var key in _cache.Keys)
                {
                    queue.Add(key);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static bool Newer(V1CertificateSigningRequest candidate, V1CertificateSigningRequest current) =>
        long.TryParse(candidate.Metadata.ResourceVersion, out var a)
        && long.TryParse(current.Metadata.ResourceVersion, out var b)
            ? a >= b
            : true;
}
