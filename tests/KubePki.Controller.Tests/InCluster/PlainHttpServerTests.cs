using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KubePki.InCluster;
using KubePki.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.InCluster;

/// <summary>The health/metrics server under hostile clients, on loopback only: methods other than GET and HEAD,
/// oversized or bodied requests, half-sent headers held open (slowloris), a flood of idle connections, a client that
/// never reads its answer. Every test closes every connection it opens.</summary>
public class PlainHttpServerTests
{
    private static PlainHttpResponse Route(string path) =>
        path switch
        {
            "/healthz" => PlainHttpResponse.Text("ok"),
            _ => PlainHttpResponse.NotFound,
        };

    private static async Task<(PlainHttpServer Server, int Port)> StartAsync(
        Func<string, PlainHttpResponse>? route = null,
        PlainHttpLimits? limits = null
    )
    {
        var port = FreePort.On("127.0.0.1");
        var server = new PlainHttpServer(
            $"127.0.0.1:{port}",
            "--listen",
            route ?? Route,
            NullLogger.Instance,
            limits ?? PlainHttpLimits.Default
        );
        server.Start();
        await Task.Yield();
        return (server, port);
    }

    /// <summary>Sends <paramref name="request"/> as it is and reads until the server closes (5 s at most).</summary>
    private static async Task<string> ExchangeAsync(int port, string request, IPAddress? from = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no complete answer within 5 s to {request.Split('\r')[0]}; got: {Text(answer)}");
        }
        return Text(answer);
    }

    private static string Text(MemoryStream stream) => Encoding.ASCII.GetString(stream.ToArray());

    [Fact]
    public async Task Get_and_head_are_answered_and_every_other_method_gets_405()
    {
        var (server, port) = await StartAsync();
        await using var _ = server;

        var get = await ExchangeAsync(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", get);
        Assert.EndsWith("\r\n\r\nok", get);
        var head = await ExchangeAsync(port, "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("\r\nContent-Length: 2\r\n", head);
        Assert.EndsWith("\r\n\r\n", head);
        Assert.StartsWith(
            "HTTP/1.1 404 ",
            await ExchangeAsync(port, "GET /nothing?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        );
        foreach (var method in new[] { "DELETE", "POST", "PUT", "PATCH", "OPTIONS", "TRACE", "CONNECT" })
        {
            var answer = await ExchangeAsync(
                port,
                $"{method} /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            );
            Assert.StartsWith("HTTP/1.1 405 Method Not Allowed\r\n", answer);
            Assert.Contains("\r\nAllow: GET, HEAD\r\n", answer);
        }
    }

    [Fact]
    public async Task Oversized_headers_request_bodies_and_garbage_are_refused()
    {
        var (server, port) = await StartAsync();
        await using var _ = server;
        var padding = new string('a', PlainHttpLimits.Default.MaxHeaderBytes);

        var big = await ExchangeAsync(
            port,
            $"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: {padding}\r\n\r\n"
        );
        Assert.StartsWith("HTTP/1.1 431 ", big);
        var body = await ExchangeAsync(
            port,
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
        );
        Assert.StartsWith("HTTP/1.1 413 ", body);
        var chunked = await ExchangeAsync(
            port,
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n"
        );
        Assert.StartsWith("HTTP/1.1 413 ", chunked);
        Assert.StartsWith("HTTP/1.1 400 ", await ExchangeAsync(port, "\x16\x03\x01 hello\r\n\r\n"));
        Assert.StartsWith(
            "HTTP/1.1 200 ",
            await ExchangeAsync(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        );
    }

    [Fact]
    public async Task A_route_that_throws_gets_500_and_the_server_goes_on()
    {
        var (server, port) = await StartAsync(path =>
            path == "/boom" ? throw new InvalidOperationException("boom") : Route(path)
        );
        await using var _ = server;

        Assert.StartsWith(
            "HTTP/1.1 500 ",
            await ExchangeAsync(port, "GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        );
        Assert.StartsWith(
            "HTTP/1.1 200 ",
            await ExchangeAsync(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        );
    }

    /// <summary>Opens <paramref name="count"/> connections to loopback, 100 at a time, from 127.0.0.1 or spread
    /// over 127.0.0.1 … 127.0.0.<paramref name="sources"/>.</summary>
    private static async Task<List<Socket>> ConnectAsync(int port, int count, byte[]? send = null, int sources = 1)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i += 100)
            {
                var batch = Enumerable
                    .Range(0, Math.Min(100, count - i))
                    .Select(j =>
                    {
                        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        socket.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + (i + j) % sources)]), 0));
                        return socket;
                    })
                    .ToList();
                sockets.AddRange(batch);
                await Task.WhenAll(batch.Select(s => s.ConnectAsync(IPAddress.Loopback, port)));
                if (send is not null)
                {
                    foreach (var socket in batch)
                    {
                        socket.Send(send);
                    }
                }
            }
            return sockets;
        }
        catch
        {
            CloseAll(sockets);
            throw;
        }
    }

    private static void CloseAll(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    /// <summary>Completes when the server has closed (or reset) the connection; reads and drops what it sent.</summary>
    private static async Task ClosedByServerAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        try
        {
            while (await socket.ReceiveAsync(buffer, cancellationToken) > 0) { }
        }
        catch (SocketException) { }
    }

    [Fact]
    public async Task Connections_beyond_the_bound_are_closed_at_once_and_the_rest_at_the_header_timeout()
    {
        var (server, port) = await StartAsync();
        await using var _ = server;
        var bound = PlainHttpLimits.Default.MaxConnections;
        // From ten addresses, so the bound in all is reached before the one per address.
        var sockets = await ConnectAsync(port, 1_000, sources: 10);
        try
        {
            using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var closed = sockets.Select(s => ClosedByServerAsync(s, watch.Token)).ToList();

            // Well before the header timeout, all but the bound are gone.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.True(
                PlainHttpLimits.Default.HeaderTimeout > TimeSpan.FromSeconds(3),
                "the header timeout must outlast this check"
            );
            var stillOpen = closed.Count(t => !t.IsCompleted);
            Assert.True(stillOpen <= bound, $"{stillOpen} of 1000 idle connections still open; bound {bound}");

            // The rest go at the header timeout, and the server answers again.
            await Task.WhenAll(closed).WaitAsync(PlainHttpLimits.Default.HeaderTimeout + TimeSpan.FromSeconds(3));
            Assert.StartsWith(
                "HTTP/1.1 200 ",
                await ExchangeAsync(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            );
        }
        finally
        {
            CloseAll(sockets);
        }
    }

    [Fact]
    public async Task A_flood_from_one_address_leaves_room_for_other_clients()
    {
        var (server, port) = await StartAsync();
        await using var _ = server;
        var perAddress = PlainHttpLimits.Default.MaxConnectionsPerAddress;
        var sockets = await ConnectAsync(port, 200);
        try
        {
            using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var closed = sockets.Select(s => ClosedByServerAsync(s, watch.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            var stillOpen = closed.Count(t => !t.IsCompleted);
            Assert.True(stillOpen <= perAddress, $"{stillOpen} of 200 from 127.0.0.1 still open; bound {perAddress}");
            var other = await ExchangeAsync(
                port,
                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                IPAddress.Parse("127.0.0.2")
            );
            Assert.StartsWith("HTTP/1.1 200 ", other);
        }
        finally
        {
            CloseAll(sockets);
        }
    }

    [Fact]
    public async Task Three_thousand_half_sent_headers_trickled_byte_by_byte_are_cut_off_at_the_header_timeout()
    {
        var (server, port) = await StartAsync();
        await using var _ = server;
        var stopwatch = Stopwatch.StartNew();
        var sockets = await ConnectAsync(
            port,
            3_000,
            Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
        );
        using var stop = new CancellationTokenSource();
        // Slowloris: one more header byte per connection every half second, so no connection is ever idle.
        var trickle = Task.Run(async () =>
        {
            var b = "X"u8.ToArray();
            while (!stop.IsCancellationRequested)
            {
                foreach (var socket in sockets)
                {
                    try
                    {
                        socket.Send(b, SocketFlags.None, out var _);
                    }
                    catch (ObjectDisposedException) { }
                }
                try
                {
                    await Task.Delay(500, stop.Token);
                }
                catch (OperationCanceledException) { }
            }
        });
        try
        {
            using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var closed = sockets.Select(s => ClosedByServerAsync(s, watch.Token)).ToList();
            var limit = PlainHttpLimits.Default.HeaderTimeout + TimeSpan.FromSeconds(5);
            try
            {
                await Task.WhenAll(closed).WaitAsync(limit - stopwatch.Elapsed);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{closed.Count(t => !t.IsCompleted)} of 3000 half-sent requests still open after {limit}");
            }
            Assert.StartsWith(
                "HTTP/1.1 200 ",
                await ExchangeAsync(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            );
        }
        finally
        {
            await stop.CancelAsync();
            await trickle;
            CloseAll(sockets);
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_its_answer_is_cut_off_at_the_response_timeout()
    {
        var body = new string('x', 64 << 20);
        var limits = PlainHttpLimits.Default with { ResponseTimeout = TimeSpan.FromSeconds(1) };
        var (server, port) = await StartAsync(_ => PlainHttpResponse.Text(body), limits);
        await using var _ = server;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"u8.ToArray());

        await Task.Delay(TimeSpan.FromSeconds(3));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1 << 20];
        long received = 0;
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received += n;
            }
        }
        catch (SocketException) { }
        // What the kernel buffered before the cut arrives; the rest of the 64 MiB never does.
        Assert.InRange(received, 0, body.Length - 1);
    }
}
