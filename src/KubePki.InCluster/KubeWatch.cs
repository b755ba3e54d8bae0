using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.InCluster;

/// <summary>A watch over the client's own authenticated HTTP connection: (ADDED|MODIFIED|DELETED|BOOKMARK, object)
/// until the server ends the stream. An ERROR event (e.g. 410 Gone) is passed to <c>onError</c> and ends the stream.
/// The trimmed client library has no watch helper, so this reads the line-per-event stream itself.</summary>
public static class KubeWatch
{
    /// <param name="path">The collection path with its query, e.g. <c>api/v1/secrets?watch=true&amp;…</c>.</param>
    /// <param name="read">Reads one object with source-generated metadata; null skips the event.</param>
    /// <param name="held">Given an ADDED or MODIFIED event's name and resourceVersion (read from the line without
    /// reading the object), the item to hand out instead of reading the object, or null to read it: a caller that
    /// already holds that version (its own write, echoed) skips the object's parse.</param>
    public static async IAsyncEnumerable<(string Type, T Item)> ReadAsync<T>(
        IKubernetes client,
        string path,
        Func<JsonElement, T?> read,
        Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        Func<string, string, T?>? held = null
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
                    error = Parse(line, read, held, events);
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

    // An event's type and its object's metadata.name and metadata.resourceVersion, read token by token up to the end
    // of the metadata (an API server writes "type" first and "metadata" near the start of the object); null when the
    // line is not shaped that way, and the caller reads it whole.
    private static (string? Type, string? Name, string? Version)? Head(ReadOnlySequence<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            string? type = null;
            (string? Name, string? Version)? metadata = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                var isObject = reader.ValueTextEquals("object"u8);
                if (!reader.Read())
                {
                    return null;
                }
                if (isType)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }
                    type = reader.GetString();
                }
                else if (isObject && metadata is null)
                {
                    if (reader.TokenType != JsonTokenType.StartObject || Metadata(ref reader) is not { } read)
                    {
                        return null;
                    }
                    metadata = read;
                    if (type is null)
                    {
                        // "type" comes after the object: step over the rest of it.
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
                if (type is not null && metadata is { } found)
                {
                    return (type, found.Name, found.Version);
                }
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Inside the object: its metadata's name and resourceVersion, the reader left just after the metadata.
    private static (string? Name, string? Version)? Metadata(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            string? name = null;
            string? version = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                var isVersion = reader.ValueTextEquals("resourceVersion"u8);
                reader.Read();
                if ((isName || isVersion) && reader.TokenType != JsonTokenType.String)
                {
                    return null;
                }
                if (isName)
                {
                    name = reader.GetString();
                }
                else if (isVersion)
                {
                    version = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
            return (name, version);
        }
        return null;
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
        Func<string, string, T?>? held,
        List<(string Type, T Item)> events
    )
        where T : class
    {
        if (line.IsEmpty)
        {
            return null;
        }
        if (
            held is not null
            && Head(line) is ("ADDED" or "MODIFIED", { } name, { } version) head
            && held(name, version) is { } known
        )
        {
            events.Add((head.Type, known));
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
