using k8s;
using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>Runs the exporter until cancelled: the HTTP endpoint and, with --secrets, the Secret watch.</summary>
internal sealed class ExporterHost(
    string listenAddress,
    CertificateExporter exporter,
    SecretCertificates? secrets,
    IKubernetes? client,
    ILoggerFactory loggers,
    TimeProvider time,
    string listenFlag = "--listen-address",
    PlainHttpSecurity? security = null
)
{
    /// <summary>Starts listening (throwing <see cref="KubePkiException"/> when the address is unusable), then serves
    /// until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(Action onListening, CancellationToken cancellationToken)
    {
        await using var endpoint = new ExporterEndpoint(
            listenAddress,
            exporter,
            loggers.CreateLogger("exporter"),
            listenFlag,
            security
        );
        endpoint.Start();
        onListening();
        var watch =
            secrets is not null && client is not null
                ? new SecretWatcher(client, secrets, loggers.CreateLogger("secrets"), time).RunAsync(cancellationToken)
                : Task.CompletedTask;
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) { }
        await watch;
    }
}
