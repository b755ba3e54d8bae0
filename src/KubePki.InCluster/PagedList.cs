using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.InCluster;

/// <summary>Reads a collection in pages (limit/continue) as client-go's pager does, so a collection of 100,000
/// objects is never one response held in memory at once.</summary>
public static class PagedList
{
    /// <summary>Items per list request (client-go's reflector asks for 500).</summary>
    public const int PageSize = 500;

    /// <summary>Hands every item of every page to <paramref name="each"/>; returns the list's resourceVersion (the
    /// first page's: the snapshot a watch continues from). A continue token the server no longer honours (410 Gone:
    /// it expired while we paged) starts the list again from its first page, once; <paramref name="restart"/> is
    /// called first, so the caller drops what the broken list handed it.</summary>
    /// <param name="page">Reads one page: (continue token or null, limit).</param>
    public static async Task<string> ReadAsync<TList, T>(
        Func<string?, int, CancellationToken, Task<TList>> page,
        Action<T> each,
        CancellationToken cancellationToken,
        Action? restart = null
    )
        where TList : IItems<T>, IMetadata<V1ListMeta>
    {
        var restarted = false;
        while (true)
        {
            string? version = null;
            string? token = null;
            try
            {
                do
                {
                    var current = await page(token, PageSize, cancellationToken);
                    version ??= current.Metadata?.ResourceVersion ?? "";
                    foreach (var item in current.Items ?? [])
                    {
                        each(item);
                    }
                    token = current.Metadata?.ContinueProperty;
                } while (!string.IsNullOrEmpty(token));
                return version;
            }
            catch (HttpOperationException e)
                when (token is not null && !restarted && e.Response.StatusCode == HttpStatusCode.Gone)
            {
                restarted = true;
                restart?.Invoke();
            }
        }
    }
}
