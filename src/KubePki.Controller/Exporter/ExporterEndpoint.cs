using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>/metrics (collected at each request) and /healthz over plain HTTP.</summary>
public sealed class ExporterEndpoint(string listenAddress, CertificateExporter exporter, ILogger logger)
    : IAsyncDisposable
{
    private readonly PlainHttpServer _server = new(
        listenAddress,
        "--listen",
        path =>
            path switch
            {
                "/metrics" => new(200, exporter.Render(), CertificateExporter.ContentType),
                "/healthz" => PlainHttpResponse.Text("ok"),
                "/" => PlainHttpResponse.Text("kubepki exporter: /metrics, /healthz\n"),
                _ => PlainHttpResponse.NotFound,
            },
        logger
    );

    public void Start() => _server.Start();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
