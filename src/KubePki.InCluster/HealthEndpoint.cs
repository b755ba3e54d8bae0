using Microsoft.Extensions.Logging;

namespace KubePki.InCluster;

/// <summary>/healthz (process alive), /readyz (the component's own readiness) and /metrics (Prometheus text) over
/// plain HTTP, as kube-controller-manager's and controller-runtime's endpoints.</summary>
/// <param name="flag">The flag that set <paramref name="bindAddress"/>, named when the address is unusable.</param>
/// <param name="metrics">Renders the Prometheus text exposition at each scrape.</param>
public sealed class HealthEndpoint(
    string bindAddress,
    string flag,
    Func<string> metrics,
    Func<bool> ready,
    ILogger logger
) : IAsyncDisposable
{
    private readonly PlainHttpServer _server = new(
        bindAddress,
        flag,
        path =>
            path switch
            {
                "/healthz" or "/livez" => PlainHttpResponse.Text("ok"),
                "/readyz" => ready() ? PlainHttpResponse.Text("ok") : PlainHttpResponse.Text("not ready", 503),
                "/metrics" => new(200, metrics(), "text/plain; version=0.0.4; charset=utf-8"),
                _ => PlainHttpResponse.NotFound,
            },
        logger
    );

    public void Start() => _server.Start();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
