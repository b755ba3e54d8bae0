using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace KubePki.InCluster;

/// <summary>What a <see cref="ListWatch{TList, T}"/> feeds: a list (possibly again, after the watch lost its place),
/// then the watch's changes.</summary>
public interface IListWatchTarget<in T>
{
    /// <summary>A list begins: the items that follow, up to <see cref="ListDone"/>, replace what the target
    /// holds.</summary>
    void ListStarted();

    void Listed(T item);

    /// <summary>The list is complete: what it did not hand out is gone.</summary>
    void ListDone();

    /// <summary>One watch event: ADDED, MODIFIED, DELETED or BOOKMARK.</summary>
    void Changed(string type, T item);
}

/// <summary>client-go's reflector: list in pages, then watch from the list's resourceVersion; watch again when the
/// stream ends, list again when the server says the version is gone (410) or a call fails (with exponential
/// back-off), until cancelled.</summary>
/// <param name="what">The collection as log lines name it, e.g. "CSRs" or "Secrets in kube-system".</param>
/// <param name="collectionPath">The collection's path, e.g. <c>api/v1/nodes</c>.</param>
/// <param name="listPage">Reads one page of the collection: (continue token or null, limit).</param>
/// <param name="read">Reads one watched object with source-generated metadata (see <see cref="KubeJson"/>).</param>
public sealed class ListWatch<TList, T>(
    IKubernetes client,
    string what,
    string collectionPath,
    Func<string?, int, CancellationToken, Task<TList>> listPage,
    Func<JsonElement, T?> read,
    IListWatchTarget<T> target,
    ILogger logger,
    TimeProvider time
)
    where TList : IItems<T>, IMetadata<V1ListMeta>
    where T : class, IMetadata<V1ObjectMeta>
{
    /// <summary>See <see cref="KubeWatch.ReadAsync"/>: the target's stand-in for an object version it already holds,
    /// so the watch skips parsing it.</summary>
    public Func<string, string, T?>? Held { get; init; }

    /// <summary>How many times a watch stream ended (and was opened again or gave way to a list).</summary>
    public int WatchRestarts { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
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
                logger.LogWarning(
                    "listing/watching {What} failed ({Error}); retrying in {Delay}",
                    what,
                    e.Message,
                    delay
                );
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
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        target.ListStarted();
        var version = await PagedList.ReadAsync<TList, T>(
            listPage,
            target.Listed,
            cancellationToken,
            target.ListStarted
        );
        target.ListDone();
        return version;
    }

    /// <summary>Watches until the stream ends (then watches again from the last version) or must list again.</summary>
    private async Task WatchAsync(string version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? error = null;
            // client-go picks 5–10 minutes; a server may end the stream sooner, which just means watching again.
            var timeout = 300 + Random.Shared.Next(300);
            var events = KubeWatch.ReadAsync(
                client,
                $"{collectionPath}?watch=true"
                    + $"&resourceVersion={Uri.EscapeDataString(version)}&timeoutSeconds={timeout}",
                item => read(item) is { Metadata: not null } value ? value : null,
                e => error ??= e,
                cancellationToken,
                Held
            );
            await foreach (var (type, item) in events)
            {
                version = item.Metadata.ResourceVersion ?? version;
                target.Changed(type, item);
            }
            WatchRestarts++;
            if (error is not null)
            {
                // 410 Gone (or any error event): our version is too old or the stream is broken; start from a list.
                logger.LogInformation("watch of {What} ended with {Error}; re-listing", what, error.Message);
                return;
            }
        }
    }
}
