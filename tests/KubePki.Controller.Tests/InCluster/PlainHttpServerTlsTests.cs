using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubePki.InCluster;
using KubePki.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.InCluster;

/// <summary>The same server with <see cref="PlainHttpSecurity"/>: TLS on every connection, the handshake bounded by
/// the header deadline, an authorizer that turns a refused request into 401, extra headers; and nothing of it when
/// no security is given.</summary>
public sealed class PlainHttpServerTlsTests : IDisposable
{
    private readonly X509Certificate2 _certificate = SelfSigned();

    public void Dispose() => _certificate.Dispose();

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var made = request.CreateSelfSigned(
            DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddDays(1)
        );
        // Through PEM, as the exporter loads it, so the key is usable by SslStream on every platform.
        return X509Certificate2.CreateFromPem(made.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private async Task<(PlainHttpServer Server, int Port)> StartAsync(
        PlainHttpSecurity security,
        PlainHttpLimits? limits = null
    )
    {
        var port = FreePort.On("127.0.0.1");
        var server = new PlainHttpServer(
            $"127.0.0.1:{port}",
            "--listen",
            path => path == "/healthz" ? PlainHttpResponse.Text("ok") : PlainHttpResponse.NotFound,
            NullLogger.Instance,
            limits ?? PlainHttpLimits.Default,
            security
        );
        server.Start();
        await Task.Yield();
        return (server, port);
    }

    private PlainHttpSecurity Tls(Func<string?, bool>? authorize = null) =>
        new()
        {
            Tls = () =>
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(_certificate, null),
                },
            Authorize = authorize,
            Headers = [("Strict-Transport-Security", "max-age=60")],
        };

    /// <summary>One request over TLS (trusting only the test certificate); the whole answer as text.</summary>
    private async Task<string> ExchangeTlsAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var ssl = new SslStream(new NetworkStream(socket), false);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, c, _, _) =>
                    c is not null && c.GetCertHashString() == _certificate.GetCertHashString(),
            },
            timeout.Token
        );
        await ssl.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var answer = new MemoryStream();
        await ssl.CopyToAsync(answer, timeout.Token);
        return Encoding.ASCII.GetString(answer.ToArray());
    }

    [Fact]
    public async Task Over_tls_requests_are_answered_with_the_extra_headers()
    {
        var (server, port) = await StartAsync(Tls());
        await using var _ = server;

        var answer = await ExchangeTlsAsync(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer);
        Assert.Contains("\r\nStrict-Transport-Security: max-age=60\r\n", answer);
        Assert.EndsWith("\r\n\r\nok", answer);
    }

    [Fact]
    public async Task The_authorizer_sees_the_authorization_header_and_a_refusal_is_401_basic()
    {
        var seen = new List<string?>();
        var (server, port) = await StartAsync(
            Tls(header =>
            {
                lock (seen)
                {
                    seen.Add(header);
                }
                return header == "Basic b2s6b2s=";
            })
        );
        await using var _ = server;

        var refused = await ExchangeTlsAsync(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\n", refused);
        Assert.Contains("\r\nWWW-Authenticate: Basic\r\n", refused);
        var wrong = await ExchangeTlsAsync(
            port,
            "GET /healthz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic bm86bm8=\r\n\r\n"
        );
        Assert.StartsWith("HTTP/1.1 401 ", wrong);
        var allowed = await ExchangeTlsAsync(
            port,
            "GET /healthz HTTP/1.1\r\nHost: localhost\r\nauthorization:  Basic b2s6b2s=\r\n\r\n"
        );
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", allowed);
        Assert.Equal([null, "Basic bm86bm8=", "Basic b2s6b2s="], seen);
    }

    [Fact]
    public async Task Plain_http_to_the_tls_port_gets_no_http_answer_and_a_stalled_handshake_is_dropped()
    {
        var limits = PlainHttpLimits.Default with { HeaderTimeout = TimeSpan.FromSeconds(1) };
        var (server, port) = await StartAsync(Tls(), limits);
        await using var _ = server;

        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await plain.ConnectAsync(IPAddress.Loopback, port);
            await plain.SendAsync("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
            var received = await ReadAllAsync(plain);
            Assert.DoesNotContain("HTTP/1.1", received, StringComparison.Ordinal);
        }
        // A client that connects and never starts the handshake is closed at the header deadline.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(IPAddress.Loopback, port);
        var clock = Stopwatch.StartNew();
        Assert.Equal("", await ReadAllAsync(silent));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4));
        // The server still serves after both.
        Assert.StartsWith(
            "HTTP/1.1 200 ",
            await ExchangeTlsAsync(port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        );
    }

    [Fact]
    public async Task Without_security_the_server_stays_plain_http_without_extra_headers()
    {
        var (server, port) = await StartAsync(PlainHttpSecurity.None);
        await using var _ = server;

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        var answer = await ReadAllAsync(socket);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer);
        Assert.DoesNotContain("Strict-Transport-Security", answer, StringComparison.Ordinal);
    }

    // Reads until the server closes or resets (10 s at most).
    private static async Task<string> ReadAllAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException) { }
        return Encoding.Latin1.GetString(received.ToArray());
    }
}
