using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>/healthz (process alive), /readyz (CSR cache synced, or standing by as a non-leader) and /metrics
/// (Prometheus text) over plain HTTP, as kube-controller-manager's and controller-runtime's endpoints.</summary>
public sealed class HealthEndpoint(string bindAddress, ControllerMetrics metrics, Func<bool> ready, ILogger logger)
    : IAsyncDisposable
{
    private readonly PlainHttpServer _server = new(
        bindAddress,
        "--metrics-bind-address",
        path =>
            path switch
            {
                "/healthz" or "/livez" => PlainHttpResponse.Text("ok"),
                "/readyz" => ready() ? PlainHttpResponse.Text("ok") : PlainHttpResponse.Text("not ready", 503),
                "/metrics" => new(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"),
                _ => PlainHttpResponse.NotFound,
            },
        logger
    );

    public void Start() => _server.Start();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
