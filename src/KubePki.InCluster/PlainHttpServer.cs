using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KubePki.InCluster;

/// <summary>What one plain-HTTP path answers.</summary>
public readonly record struct PlainHttpResponse(int StatusCode, string Body, string ContentType)
{
    public static PlainHttpResponse Text(string body, int statusCode = 200) => new(statusCode, body, "text/plain");

    public static PlainHttpResponse NotFound { get; } = Text("not found", 404);
}

/// <summary>A small HTTP/1.1 server for the health, readiness and metrics endpoints, on a plain socket so every cost
/// a client can impose is bounded (<see cref="PlainHttpLimits"/>): the headers must arrive within a deadline, the
/// answer must be taken within another, only so many connections are served at once, in all and from one address
/// (the next get 503), a request is its headers only (a body is refused) and only GET and HEAD are answered (405
/// otherwise). One request per connection: the answer says <c>Connection: close</c>, so nothing lingers idle between
/// scrapes. <see cref="PlainHttpSecurity"/> optionally adds TLS (the handshake within the header deadline) and an
/// Authorization check.</summary>
public sealed class PlainHttpServer : IAsyncDisposable
{
    private static readonly byte[] Busy = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );

    private readonly string _bindAddress;
    private readonly string _flag;
    private readonly Func<string, PlainHttpResponse> _route;
    private readonly ILogger _logger;
    private readonly PlainHttpLimits _limits;
    private readonly PlainHttpSecurity _security;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private Socket? _listener;
    private Task? _loop;
    private int _open;

    public PlainHttpServer(string bindAddress, string flag, Func<string, PlainHttpResponse> route, ILogger logger)
        : this(bindAddress, flag, route, logger, PlainHttpLimits.Default, PlainHttpSecurity.None) { }

    /// <summary>A server that adds <paramref name="security"/> (TLS, authorization, headers) to every
    /// connection.</summary>
    public PlainHttpServer(
        string bindAddress,
        string flag,
        Func<string, PlainHttpResponse> route,
        ILogger logger,
        PlainHttpSecurity security
    )
        : this(bindAddress, flag, route, logger, PlainHttpLimits.Default, security) { }

    internal PlainHttpServer(
        string bindAddress,
        string flag,
        Func<string, PlainHttpResponse> route,
        ILogger logger,
        PlainHttpLimits limits,
        PlainHttpSecurity? security = null
    )
    {
        _security = security ?? PlainHttpSecurity.None;
        _bindAddress = bindAddress;
        _flag = flag;
        _route = route;
        _logger = logger;
        _limits = limits;
    }

    /// <summary>"host:port", ":port", "0.0.0.0:port" or "[::]:port" (every address, IPv4 and IPv6) → where to
    /// listen; a host name is resolved once.</summary>
    internal static IPEndPoint Endpoint(string bindAddress, string flag)
    {
        var colon = bindAddress.LastIndexOf(':');
        if (
            colon < 0
            || !int.TryParse(bindAddress[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > 65535
        )
        {
            throw new KubePkiException($"{flag}: \"{bindAddress}\" is not host:port");
        }
        var host = bindAddress[..colon].Trim('[', ']');
        if (host is "" or "0.0.0.0" or "::")
        {
            return new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port);
        }
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return new IPEndPoint(
                addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0],
                port
            );
        }
        catch (Exception e) when (e is SocketException or IndexOutOfRangeException or ArgumentException)
        {
            throw new KubePkiException($"{flag} {bindAddress}: cannot resolve \"{host}\"", e);
        }
    }

    public void Start()
    {
        var endpoint = Endpoint(_bindAddress, _flag);
        Socket listener;
        try
        {
            listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException) when (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            // IPv6 switched off in this network namespace: every address is every IPv4 address.
            endpoint = new IPEndPoint(IPAddress.Any, endpoint.Port);
            listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }
            listener.Bind(endpoint);
            listener.Listen(512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new KubePkiException($"{_flag} {_bindAddress}: {e.Message}", e);
        }
        _listener = listener;
        _loop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors or a connection reset before it was accepted: pause, never die.
                _logger.LogWarning("{Flag} endpoint: accepting a connection failed: {Error}", _flag, e.Message);
                try
                {
                    await Task.Delay(100, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (!TryAdmit(client, out var address))
            {
                Refuse(client);
                continue;
            }
            _ = Task.Run(() => ServeAsync(client, address, stopping));
        }
    }

    private bool TryAdmit(Socket client, out IPAddress address)
    {
        EndPoint? peer;
        try
        {
            peer = client.RemoteEndPoint;
        }
        catch (SocketException)
        {
            peer = null; // gone already: refused below like any other
        }
        address = peer is IPEndPoint remote
            ? remote.Address.IsIPv4MappedToIPv6
                ? remote.Address.MapToIPv4()
                : remote.Address
            : IPAddress.None;
        if (peer is null)
        {
            return false;
        }
        lock (_perAddress)
        {
            var fromAddress = _perAddress.GetValueOrDefault(address);
            if (_open >= _limits.MaxConnections || fromAddress >= _limits.MaxConnectionsPerAddress)
            {
                return false;
            }
            _open++;
            _perAddress[address] = fromAddress + 1;
            return true;
        }
    }

    private void Release(IPAddress address)
    {
        lock (_perAddress)
        {
            _open--;
            var left = _perAddress[address] - 1;
            if (left == 0)
            {
                _perAddress.Remove(address);
            }
            else
            {
                _perAddress[address] = left;
            }
        }
    }

    // Over the bound: a best-effort 503 that cannot block (the socket buffer takes it or it is dropped), then close.
    private static void Refuse(Socket client)
    {
        try
        {
            client.Blocking = false;
            client.Send(Busy, SocketFlags.None, out _);
        }
        catch (SocketException) { }
        finally
        {
            client.Dispose();
        }
    }

    private async Task ServeAsync(Socket client, IPAddress address, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(_limits.HeaderTimeout);
        Stream stream = new NetworkStream(client, ownsSocket: false);
        try
        {
            if (_security.Tls is { } tls)
            {
                // The handshake counts against the header deadline: a client that stalls it is dropped the same way.
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsServerAsync(tls(), deadline.Token);
            }
            var request = await ReadHeadAsync(stream, deadline.Token);
            if (request is null)
            {
                return;
            }
            var answer = Answer(request.Value);
            deadline.CancelAfter(_limits.ResponseTimeout);
            await stream.WriteAsync(answer, deadline.Token);
            if (stream is SslStream done)
            {
                await done.ShutdownAsync();
            }
            client.Shutdown(SocketShutdown.Send);
        }
        catch (OperationCanceledException)
        {
            _logger.LogDebug("{Flag} endpoint: a client took too long; connection closed", _flag);
        }
        catch (Exception e)
            when (e is SocketException or ObjectDisposedException or IOException
                || e is System.Security.Authentication.AuthenticationException
            )
        {
            // IOException and AuthenticationException: a TLS handshake that failed (plain HTTP sent to the TLS port, an
            // unacceptable client certificate) or a connection reset under the TLS stream.
            _logger.LogDebug("{Flag} endpoint: {Error}", _flag, e.Message);
        }
        finally
        {
            await stream.DisposeAsync();
            client.Dispose();
            Release(address);
        }
    }

    /// <summary>The request head (request line and headers), or null when the client closed first. Bytes beyond
    /// <see cref="PlainHttpLimits.MaxHeaderBytes"/> make it <see cref="RequestHead.TooLarge"/>.</summary>
    private async Task<RequestHead?> ReadHeadAsync(Stream client, CancellationToken cancellationToken)
    {
        var buffer = new byte[_limits.MaxHeaderBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await client.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (n == 0)
            {
                return null;
            }
            var searchFrom = Math.Max(0, filled - 3);
            filled += n;
            var end = HeadEnd(buffer.AsSpan(searchFrom, filled - searchFrom));
            if (end >= 0)
            {
                return RequestHead.Parse(Encoding.Latin1.GetString(buffer, 0, searchFrom + end));
            }
        }
        return RequestHead.TooLarge;
    }

    // The blank line ending the head: CRLF CRLF, or LF LF as lenient servers accept.
    private static int HeadEnd(ReadOnlySpan<byte> bytes)
    {
        var crlf = bytes.IndexOf("\r\n\r\n"u8);
        var lf = bytes.IndexOf("\n\n"u8);
        return crlf < 0 ? lf
            : lf < 0 ? crlf
            : Math.Min(crlf, lf);
    }

    private byte[] Answer(RequestHead request)
    {
        if (request.Error is { } error)
        {
            return Render(error, head: false, []);
        }
        if (_security.Authorize is { } authorize && !authorize(request.Authorization))
        {
            return Render(PlainHttpResponse.Text("Unauthorized\n", 401), head: false, [("WWW-Authenticate", "Basic")]);
        }
        if (request.Method is not ("GET" or "HEAD"))
        {
            return Render(PlainHttpResponse.Text("method not allowed", 405), head: false, [("Allow", "GET, HEAD")]);
        }
        if (request.HasBody)
        {
            return Render(PlainHttpResponse.Text("request body not accepted", 413), head: false, []);
        }
        PlainHttpResponse response;
        try
        {
            response = _route(request.Path);
        }
        catch (Exception e)
        {
            _logger.LogWarning("{Flag} endpoint: {Path} failed: {Error}", _flag, request.Path, e.Message);
            response = PlainHttpResponse.Text("internal error", 500);
        }
        return Render(response, head: request.Method == "HEAD", []);
    }

    private byte[] Render(PlainHttpResponse response, bool head, IEnumerable<(string Name, string Value)> extra)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.StatusCode} {Reason(response.StatusCode)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
            .Append("X-Content-Type-Options: nosniff\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in extra.Concat(_security.Headers))
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        text.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(text.ToString());
        return head ? headBytes : [.. headBytes, .. body];
    }

    private static string Reason(int status) =>
        status switch
        {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Content Too Large",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        if (_loop is not null)
        {
            await _loop;
        }
        _stopping.Dispose();
    }

    /// <summary>What is kept of a request: its method and path, whether it announces a body, or why it is refused
    /// outright.</summary>
    private readonly record struct RequestHead(
        string Method,
        string Path,
        bool HasBody,
        string? Authorization,
        PlainHttpResponse? Error
    )
    {
        public static RequestHead TooLarge { get; } =
            new("", "", false, null, PlainHttpResponse.Text("request headers too large", 431));

        private static RequestHead Bad { get; } = new("", "", false, null, PlainHttpResponse.Text("bad request", 400));

        public static RequestHead Parse(string head)
        {
            var lines = head.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var parts = lines[0].Split(' ');
            if (
                parts.Length != 3
                || parts[0].Length == 0
                || !parts[0].All(char.IsAsciiLetterUpper)
                || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal)
            )
            {
                return Bad;
            }
            var hasBody = false;
            string? authorization = null;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    return Bad;
                }
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                hasBody |=
                    name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                    || (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value != "0");
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    authorization = value;
                }
            }
            return new RequestHead(parts[0], PathOf(parts[1]), hasBody, authorization, null);
        }

        // Origin form "/metrics?x" or absolute form "http://host/metrics?x" → "/metrics".
        private static string PathOf(string target)
        {
            if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                var slash = target.IndexOf('/', "http://".Length);
                target = slash < 0 ? "/" : target[slash..];
            }
            var query = target.IndexOfAny(['?', '#']);
            return query < 0 ? target : target[..query];
        }
    }
}
