using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>/metrics (collected at each request) and /healthz over plain HTTP.</summary>
/// <param name="flag">The listen flag as given, which a bad address names.</param>
public sealed class ExporterEndpoint(
    string listenAddress,
    CertificateExporter exporter,
    ILogger logger,
    string flag = "--listen-address"
) : IAsyncDisposable
{
    private readonly PlainHttpServer _server = new(
        listenAddress,
        flag,
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
