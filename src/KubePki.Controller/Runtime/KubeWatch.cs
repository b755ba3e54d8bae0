using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Controller.Runtime;

/// <summary>A watch over the client's own authenticated HTTP connection: (ADDED|MODIFIED|DELETED|BOOKMARK, object)
/// until the server ends the stream. An ERROR event (e.g. 410 Gone) is passed to <c>onError</c> and ends the stream.
/// The trimmed client library has no watch helper, so this reads the line-per-event stream itself.</summary>
public static class KubeWatch
{
    /// <param name="path">The collection path with its query, e.g. <c>api/v1/secrets?watch=true&amp;…</c>.</param>
    /// <param name="read">Reads one object with source-generated metadata; null skips the event.</param>
    public static async IAsyncEnumerable<(string Type, T Item)> ReadAsync<T>(
        IKubernetes client,
        string path,
        Func<JsonElement, T?> read,
        Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
        where T : class
    {
        var kube =
            client as Kubernetes ?? throw new InvalidOperationException("watching needs a k8s.Kubernetes client");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kube.BaseUri, path));
        if (kube.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }
        using var response = await kube.HttpClient.SendAsync(
            request,
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken
        );
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var resource = path.Split('?')[0].Split('/')[^1];
            throw new HttpOperationException($"watch of {resource} returned {(int)response.StatusCode}")
            {
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString() ?? "";
            var item = document.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var status = KubeJson.ReadStatus(item);
                onError(new KubernetesException(status ?? new V1Status { Message = "watch error" }));
                yield break;
            }
            if (read(item) is { } value)
            {
                yield return (type, value);
            }
        }
    }
}
