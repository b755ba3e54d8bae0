using System.Text.Json;

namespace KubePki.InCluster;

/// <summary>An API response the client could not turn into an object — an empty body, or one that is not JSON, as a
/// broken proxy may send — as a one-line <see cref="KubePkiException"/> naming the request.</summary>
internal static class ApiResponse
{
    public static async Task<T> OfAsync<T>(string request, Func<Task<T?>> call)
        where T : class
    {
        T? result;
        try
        {
            result = await call();
        }
        catch (JsonException e) when (e.LineNumber is 0 or null && e.BytePositionInLine is 0 or null)
        {
            throw new KubePkiException($"the API server sent an empty response to {request}");
        }
        catch (JsonException e)
        {
            throw new KubePkiException(
                $"the API server sent a response to {request} that is not valid JSON: {e.Message.Split('\n')[0]}"
            );
        }
        return result ?? throw new KubePkiException($"the API server sent an empty response to {request}");
    }
}
