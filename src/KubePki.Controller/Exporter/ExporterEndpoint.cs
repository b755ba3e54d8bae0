using System.Net;
using System.Text;
using KubePki.Controller.Runtime;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>/metrics (collected at each request) and /healthz over plain HTTP, on HttpListener (trim-safe).</summary>
public sealed class ExporterEndpoint(string listenAddress, CertificateExporter exporter, ILogger logger)
    : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private Task? _loop;

    public void Start()
    {
        _listener.Prefixes.Add(HealthEndpoint.Prefix(listenAddress, "--listen"));
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new KubePkiException($"--listen {listenAddress}: {e.Message}", e);
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
            var (code, body, type) = context.Request.Url?.AbsolutePath switch
            {
                "/metrics" => (200, exporter.Render(), CertificateExporter.ContentType),
                "/healthz" => (200, "ok", "text/plain"),
                "/" => (200, "kubepki exporter: /metrics, /healthz\n", "text/plain"),
                _ => (404, "not found", "text/plain"),
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = code;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException)
        {
            logger.LogDebug("exporter endpoint: {Error}", e.Message);
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
