using System.Buffers;
using System.IO.Pipelines;
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
        // Lines are parsed from the stream's UTF-8 bytes as they arrive (no string per event); the events of one read
        // are handed out after the pipe has been advanced past them.
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(cancellationToken));
        var events = new List<(string Type, T Item)>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                Exception? error = null;
                while (error is null && TakeLine(ref buffer, result.IsCompleted, out var line))
                {
                    error = Parse(line, read, events);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var e in events)
                {
                    yield return e;
                }
                events.Clear();
                if (error is not null)
                {
                    onError(error);
                    yield break;
                }
                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    // The next line without its line end; at the end of the stream, the rest (a last line without one).
    private static bool TakeLine(ref ReadOnlySequence<byte> buffer, bool completed, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is { } end)
        {
            line = buffer.Slice(0, end);
            buffer = buffer.Slice(buffer.GetPosition(1, end));
        }
        else if (completed && !buffer.IsEmpty)
        {
            line = buffer;
            buffer = buffer.Slice(buffer.End);
        }
        else
        {
            line = default;
            return false;
        }
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }
        return true;
    }

    // One event line: the item is added to events (unless read skips it); an ERROR event is returned.
    private static Exception? Parse<T>(
        ReadOnlySequence<byte> line,
        Func<JsonElement, T?> read,
        List<(string Type, T Item)> events
    )
        where T : class
    {
        if (line.IsEmpty)
        {
            return null;
        }
        using var document = JsonDocument.Parse(line);
        var type = document.RootElement.GetProperty("type").GetString() ?? "";
        var item = document.RootElement.GetProperty("object");
        if (type == "ERROR")
        {
            var status = KubeJson.ReadStatus(item);
            return new KubernetesException(status ?? new V1Status { Message = "watch error" });
        }
        if (read(item) is { } value)
        {
            events.Add((type, value));
        }
        return null;
    }
}
