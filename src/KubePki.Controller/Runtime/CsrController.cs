using KubePki.Controller.Model;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>The informer plus N workers over one work queue. Runs until cancelled, then lets each worker finish the
/// CSR in hand (its API call is cancelled; a half-done pass is simply redone by whoever leads next).</summary>
public sealed class CsrController(
    KubeCsrApi api,
    ControllerOptions options,
    ControllerMetrics metrics,
    ILoggerFactory loggers,
    TimeProvider time
)
{
    private readonly ILogger _logger = loggers.CreateLogger("kubepki.controller");

    public CsrInformer? Informer { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var queue = new WorkQueue(options.RetryBaseDelay, options.RetryMaxDelay, time);
        var informer = new CsrInformer(
            api,
            queue,
            options.ResyncPeriod,
            loggers.CreateLogger("kubepki.informer"),
            time
        );
        Informer = informer;
        var signer =
            options.Signers.Count > 0
                ? new Signing.CsrSigner(options.Signers, options.ClusterSigningDuration, time)
                : null;
        Approval.KubeletServingApprover? approver = null;
        var nodes = new NodeInformer(api, loggers.CreateLogger("kubepki.nodes"), time);
        var nodeInforming = Task.CompletedTask;
        if (options.ApproveKubeletServing)
        {
            approver = new Approval.KubeletServingApprover(await ApproverOptionsAsync(cancellationToken));
            nodeInforming = nodes.RunAsync(cancellationToken);
        }
        var reconciler = new CsrReconciler(api, informer, signer, approver, options.NoDeny, metrics, _logger, time)
        {
            Nodes = nodes,
            NodeGracePeriod = options.NodeGracePeriod,
        };
        informer.OnSynced = () => metrics.IsSynced = approver is null || nodes.HasSynced;
        if (approver is not null)
        {
            _ = nodes.Synced.ContinueWith(_ => metrics.IsSynced = informer.HasSynced, TaskScheduler.Default);
        }
        var informing = informer.RunAsync(cancellationToken);
        var workers = Enumerable
            .Range(0, Math.Max(1, options.Workers))
            .Select(_ => WorkAsync(queue, reconciler, cancellationToken))
            .ToList();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) { }
        queue.ShutDown();
        await Task.WhenAll([informing, nodeInforming, .. workers]);
        metrics.IsSynced = false;
    }

    /// <summary>The approver's options with the cluster's service network and DNS domain: flags plus the
    /// kubeadm-config ConfigMap when it can be read (an unreadable one is logged, not fatal).</summary>
    private async Task<Approval.ApproverOptions> ApproverOptionsAsync(CancellationToken cancellationToken)
    {
        string? clusterConfiguration = null;
        if (options.ReadKubeadmConfig)
        {
            try
            {
                clusterConfiguration = await api.GetKubeadmClusterConfigurationAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(
                    "cannot read ConfigMap {Namespace}/{Name} ({Error}); using --service-cluster-ip-range and "
                        + "--cluster-domain",
                    KubeadmConfigMap.Namespace,
                    KubeadmConfigMap.Name,
                    e.Message
                );
            }
        }
        var notes = new List<string>();
        var approverOptions = Approval.ClusterNetworks.Apply(
            options.Approver,
            options.ServiceNetworks,
            options.ClusterDomain,
            clusterConfiguration,
            notes
        );
        foreach (var note in notes)
        {
            _logger.LogInformation("approver: {Note}", note);
        }
        foreach (var warning in approverOptions.MissingPolicyWarnings())
        {
            _logger.LogWarning("approver: {Warning}", warning);
        }
        return approverOptions;
    }

    private async Task WorkAsync(WorkQueue queue, CsrReconciler reconciler, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? key;
            try
            {
                key = await queue.GetAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (key is null)
            {
                return;
            }
            try
            {
                await reconciler.ReconcileAsync(key, cancellationToken);
                queue.Forget(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var code = KubeCsrApi.StatusCode(e);
                metrics.Retried(code?.ToString() ?? "error");
                if (code == 409)
                {
                    // Our copy was stale: read the current object so the retry decides on fresh data.
                    await RefreshAsync(key, cancellationToken);
                }
                var delay = queue.AddRateLimited(key);
                _logger.LogWarning("CSR {Name}: {Error}; retrying in {Delay}", key, e.Message, delay);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task RefreshAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            if (await api.GetAsync(name, cancellationToken) is { } fresh)
            {
                Informer!.Remember(fresh);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogDebug("refreshing CSR {Name} failed: {Error}", name, e.Message);
        }
    }
}
