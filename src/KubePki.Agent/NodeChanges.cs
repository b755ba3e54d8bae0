using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Agent;

/// <summary>Wakes the agent before its next interval when something it waits for changes: a renewal request on its
/// own Node (<c>cluster renew</c>), or another control-plane node's state (a node released the slot, failed, or was
/// repaired). Fed by the shared list + watch loop over Nodes; the agent's own heartbeats do not wake it.</summary>
internal sealed class NodeChanges : IListWatchTarget<V1Node>
{
    private readonly string _self;
    private readonly ListWatch<V1NodeList, V1Node> _loop;
    private readonly ConcurrentDictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly ListedNames<string> _listed;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public NodeChanges(IKubernetes client, string self, ILogger logger, TimeProvider time)
    {
        _self = self;
        _listed = new(_seen);
        _loop = new(
            client,
            "Nodes",
            "api/v1/nodes",
            (token, limit, ct) =>
                client.CoreV1.ListNodeAsync(continueParameter: token, limit: limit, cancellationToken: ct),
            KubeJson.ReadNode,
            this,
            logger,
            time
        );
    }

    public Task RunAsync(CancellationToken cancellationToken) => _loop.RunAsync(cancellationToken);

    /// <summary>Waits for a change that matters or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, time, timer.Token);
        var wake = _wake.WaitAsync(timer.Token);
        await Task.WhenAny(delay, wake).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    void IListWatchTarget<V1Node>.ListStarted() => _listed.Clear();

    void IListWatchTarget<V1Node>.Listed(V1Node node) => Note(node);

    void IListWatchTarget<V1Node>.ListDone() => _listed.DropUnlisted();

    void IListWatchTarget<V1Node>.Changed(string type, V1Node node)
    {
        if (type is "ADDED" or "MODIFIED")
        {
            Note(node);
        }
    }

    private void Note(V1Node node)
    {
        var name = node.Metadata.Name;
        var signature = Signature(node);
        if (_seen.TryGetValue(name, out var before) && before != signature)
        {
            Wake();
        }
        _listed.Put(name, signature);
    }

    // What of a Node matters to this agent: its own renewal request; of another node, what the gate reads of it.
    private string Signature(V1Node node)
    {
        var annotations = node.Metadata.Annotations;
        string? Get(string key) => annotations is not null && annotations.TryGetValue(key, out var v) ? v : null;
        if (node.Metadata.Name == _self)
        {
            return Get(NodeReport.RequestAnnotation) ?? "";
        }
        var report = NodeReport.FromJson(Get(NodeReport.Annotation));
        return report is null
            ? ""
            : $"{report.State}|{report.Healthy}|{string.Join(",", report.PendingRestarts)}|{report.Message}";
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }
}
