using k8s;
using KubePki.Controller.Approval;
using KubePki.Controller.Runtime;
using KubePki.Controller.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.Support;

/// <summary>A ControllerHost running in the background against a test cluster, stopped (gracefully) on
/// dispose.</summary>
public sealed class RunningController : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private RunningController(ControllerHost host)
    {
        Host = host;
        Run = Task.Run(() => host.RunAsync(_stop.Token));
    }

    public ControllerHost Host { get; }

    public Task Run { get; }

    public static ControllerOptions Options(TestCluster cluster, bool leaderElect = false) =>
        new()
        {
            Signers = SignerNames.All.ToDictionary(
                s => s,
                ISigningAuthoritySource (_) => new CaFileSource(cluster.CaCertFile, cluster.CaKeyFile)
            ),
            ApproveKubeletServing = true,
            Approver = ApproverOptions.Default,
            Workers = 3,
            ResyncPeriod = TimeSpan.FromSeconds(2),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(500),
            LeaderElect = leaderElect,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
            MetricsBindAddress = null,
        };

    public static RunningController Start(
        IKubernetes client,
        ControllerOptions options,
        ILoggerFactory? loggers = null
    ) => new(new ControllerHost(client, options, loggers ?? NullLoggerFactory.Instance, TimeProvider.System));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
    }
}
