using k8s;
using KubePki.Controller.Signing;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary><c>kubepki controller</c> as a whole: the health/metrics endpoint, then either the controller directly or,
/// with leader election, the controller only while this replica holds the Lease. Losing the Lease cancels the
/// controller at once so two replicas never act together; the elector then keeps trying to win it back.</summary>
public sealed class ControllerHost(
    IKubernetes client,
    ControllerOptions options,
    ILoggerFactory loggers,
    TimeProvider time
)
{
    private readonly ILogger _logger = loggers.CreateLogger("kubepki.controller");

    public ControllerMetrics Metrics { get; } = new();

    public CsrController? Current { get; private set; }

    /// <summary>/readyz: <see cref="ControllerMetrics.IsReady"/>, and every file-backed CA current — while changed CA
    /// files cannot be loaded, signing would use the stale CA.</summary>
    public bool IsReady() =>
        Metrics.IsReady(options.LeaderElect)
        && options.Signers.Values.OfType<CaFileSource>().Distinct().All(s => s.Check() is null);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var source in options.Signers.Values.OfType<CaFileSource>().Distinct())
        {
            source.ReloadFailed += error =>
            {
                Metrics.CaReloadFailed(source.CertFile);
                _logger.LogError("cannot reload the signing CA, still signing with the previous one: {Error}", error);
            };
        }
        HealthEndpoint? health = null;
        if (options.MetricsBindAddress is { Length: > 0 } address && address != "0")
        {
            health = new HealthEndpoint(
                address,
                "--metrics-bind-address",
                Metrics.Render,
                IsReady,
                loggers.CreateLogger("kubepki.health")
            );
            health.Start();
        }
        try
        {
            if (options.LeaderElect)
            {
                await RunElectedAsync(cancellationToken);
            }
            else
            {
                await RunControllerAsync(cancellationToken);
            }
        }
        finally
        {
            if (health is not null)
            {
                await health.DisposeAsync();
            }
        }
    }

    private Task RunControllerAsync(CancellationToken cancellationToken)
    {
        Current = new CsrController(new KubeCsrApi(client), options, Metrics, loggers, time);
        return Current.RunAsync(cancellationToken);
    }

    private async Task RunElectedAsync(CancellationToken cancellationToken)
    {
        var elector = new LeaseElector(client, options.Lease, loggers.CreateLogger("kubepki.leader-election"), time);
        Metrics.ApiReachable = false; // until the first Lease request is answered
        elector.OnReachabilityChanged += () => Metrics.ApiReachable = elector.ApiReachable;
        var gate = new object();
        CancellationTokenSource? leading = null;
        Task running = Task.CompletedTask;
        // The elector's events are synchronous: start and stop the work on a linked token, never block them.
        elector.OnStartedLeading += () =>
        {
            lock (gate)
            {
                _logger.LogInformation(
                    "{Identity} became the leader of {Namespace}/{Lease}",
                    options.Identity,
                    options.LeaseNamespace,
                    options.LeaseName
                );
                Metrics.IsLeader = true;
                leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var previous = running;
                var token = leading.Token;
                // Never overlap with a previous term still winding down.
                running = Task.Run(
                    async () =>
                    {
                        await previous;
                        await RunControllerAsync(token);
                    },
                    CancellationToken.None
                );
            }
        };
        elector.OnStoppedLeading += () =>
        {
            lock (gate)
            {
                _logger.LogInformation("{Identity} stopped leading", options.Identity);
                Metrics.IsLeader = false;
                leading?.Cancel();
            }
        };
        await elector.RunAsync(cancellationToken);
        lock (gate)
        {
            leading?.Cancel();
        }
        await running;
        await elector.ReleaseAsync();
    }
}
