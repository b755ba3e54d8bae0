using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using KubePki.InCluster;

namespace KubePki.Controller.Tests.InCluster;

/// <summary>The watch stream reader: one JSON event per line, lines split anywhere across reads, CRLF or LF endings,
/// a last line without an ending, and an ERROR event that ends the stream.</summary>
public class KubeWatchTests
{
    private static string Event(string type, string name, string version) =>
        $"{{\"type\":\"{type}\",\"object\":{{\"metadata\":"
        + $"{{\"name\":\"{name}\",\"resourceVersion\":\"{version}\"}}}}}}";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Events_are_read_whatever_the_chunking_and_line_endings(int chunk)
    {
        var body =
            Event("ADDED", "a", "1") + "\r\n\n" + Event("MODIFIED", "b", "2") + "\n" + Event("DELETED", "c", "3");

        var (events, errors) = await ReadAsync(body, chunk);

        Assert.Equal([("ADDED", "a", "1"), ("MODIFIED", "b", "2"), ("DELETED", "c", "3")], events);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_error_event_ends_the_stream_after_the_events_before_it()
    {
        var body =
            Event("ADDED", "a", "1")
            + "\n{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"message\":\"too old\"}}\n"
            + Event("ADDED", "b", "2")
            + "\n";

        var (events, errors) = await ReadAsync(body, 5);

        Assert.Equal([("ADDED", "a", "1")], events);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
    }

    [Fact]
    public async Task An_event_for_a_held_version_hands_out_the_held_item_without_reading_the_object()
    {
        // "spec": 5 cannot be read as a Node: reading either held event's object would throw.
        var body =
            "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Node\",\"metadata\":{\"name\":\"a\",\"uid\":\"u\","
            + "\"labels\":{\"x\":\"y\"},\"resourceVersion\":\"2\"},\"spec\":5}}\n"
            + "{\"object\":{\"metadata\":{\"resourceVersion\":\"3\",\"name\":\"b\"},\"spec\":5},\"type\":\"ADDED\"}\n"
            + Event("MODIFIED", "a", "4")
            + "\n"
            + Event("DELETED", "b", "3")
            + "\n";
        var asked = new List<(string, string)>();

        var (events, errors) = await ReadAsync(
            body,
            3,
            (name, version) =>
            {
                asked.Add((name, version));
                return version is "2" or "3"
                    ? new V1Node
                    {
                        Metadata = new V1ObjectMeta { Name = $"held {name}", ResourceVersion = version },
                    }
                    : null;
            }
        );

        Assert.Equal(
            [("MODIFIED", "held a", "2"), ("ADDED", "held b", "3"), ("MODIFIED", "a", "4"), ("DELETED", "b", "3")],
            events
        );
        Assert.Equal([("a", "2"), ("b", "3"), ("a", "4")], asked); // never for a deletion
        Assert.Empty(errors);
    }

    private static async Task<(List<(string, string, string)> Events, List<Exception> Errors)> ReadAsync(
        string body,
        int chunk,
        Func<string, string, V1Node?>? held = null
    )
    {
        using var client = new Kubernetes(
            new KubernetesClientConfiguration { Host = "http://watch.invalid" },
            new FixedResponse(Encoding.UTF8.GetBytes(body), chunk)
        );
        var events = new List<(string, string, string)>();
        var errors = new List<Exception>();
        await foreach (
            var (type, item) in KubeWatch.ReadAsync(
                client,
                "api/v1/nodes?watch=true",
                json => KubeJson.ReadNode(json),
                errors.Add,
                CancellationToken.None,
                held
            )
        )
        {
            events.Add((type, item.Metadata.Name, item.Metadata.ResourceVersion));
        }
        return (events, errors);
    }

    private sealed class FixedResponse(byte[] body, int chunk) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request,
            CancellationToken cancellationToken
        ) =>
            Task.FromResult(
                new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new Trickle(body, chunk)) }
            );
    }

    // Hands out at most `chunk` bytes per read, so lines arrive split across reads.
    private sealed class Trickle(byte[] body, int chunk) : MemoryStream(body)
    {
        public override int Read(byte[] buffer, int offset, int count) =>
            base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(
            byte[] buffer,
            int offset,
            int count,
            CancellationToken cancellationToken
        ) => Task.FromResult(Read(buffer, offset, count));
    }
}
