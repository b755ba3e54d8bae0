using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>What one plain-HTTP path answers.</summary>
public readonly record struct PlainHttpResponse(int StatusCode, string Body, string ContentType)
{
    public static PlainHttpResponse Text(string body, int statusCode = 200) => new(statusCode, body, "text/plain");

    public static PlainHttpResponse NotFound { get; } = Text("not found", 404);
}

/// <summary>A small GET-only HTTP server on HttpListener (trim-safe) for the health, readiness and metrics endpoints:
/// each request is answered by <paramref name="route"/> from its path, on its own task so a slow client cannot hold
/// up the next scrape.</summary>
public sealed class PlainHttpServer(
    string bindAddress,
    string flag,
    Func<string, PlainHttpResponse> route,
    ILogger logger
) : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private Task? _loop;

    /// <summary>"host:port", ":port" or "0.0.0.0:port" (any address) → an HttpListener prefix.</summary>
    public static string Prefix(string bindAddress, string flag)
    {
        var colon = bindAddress.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(bindAddress[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new KubePkiException($"{flag}: \"{bindAddress}\" is not host:port");
        }
        var host = bindAddress[..colon].Trim('[', ']');
        host =
            host is "" or "0.0.0.0" or "::" ? "+"
            : host.Contains(':') ? $"[{host}]"
            : host;
        return $"http://{host}:{port}/";
    }

    public void Start()
    {
        _listener.Prefixes.Add(Prefix(bindAddress, flag));
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new KubePkiException($"{flag} {bindAddress}: {e.Message}", e);
        }
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e)
                when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var response = route(context.Request.Url?.AbsolutePath ?? "/");
            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.StatusCode = response.StatusCode;
            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException)
        {
            logger.LogDebug("{Flag} endpoint: {Error}", flag, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }
        _listener.Close();
        if (_loop is not null)
        {
            await _loop;
        }
    }
}
