using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>/healthz (process alive), /readyz (CSR cache synced, or standing by as a non-leader) and /metrics
/// (Prometheus text) over plain HTTP, as kube-controller-manager's and controller-runtime's endpoints.</summary>
public sealed class HealthEndpoint(string bindAddress, ControllerMetrics metrics, Func<bool> ready, ILogger logger)
    : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private Task? _loop;

    /// <summary>"host:port", ":port" or "0.0.0.0:port" (any address) → an HttpListener prefix.</summary>
    public static string Prefix(string bindAddress, string flag = "--metrics-bind-address")
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
        _listener.Prefixes.Add(Prefix(bindAddress));
        _listener.Start();
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
            try
            {
                var (code, body, type) = context.Request.Url?.AbsolutePath switch
                {
                    "/healthz" or "/livez" => (200, "ok", "text/plain"),
                    "/readyz" => ready() ? (200, "ok", "text/plain") : (503, "not ready", "text/plain"),
                    "/metrics" => (200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"),
                    _ => (404, "not found", "text/plain"),
                };
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = code;
                context.Response.ContentType = type;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                logger.LogDebug("health endpoint: {Error}", e.Message);
            }
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
