using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>/metrics (collected at each request) and /healthz over HTTP, or HTTPS and basic auth when a web config
/// file asks for them.</summary>
/// <param name="flag">The listen flag as given, which a bad address names.</param>
public sealed class ExporterEndpoint(
    string listenAddress,
    CertificateExporter exporter,
    ILogger logger,
    string flag = "--listen-address",
    PlainHttpSecurity? security = null
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
        logger,
        security ?? PlainHttpSecurity.None
    );

    public void Start() => _server.Start();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
