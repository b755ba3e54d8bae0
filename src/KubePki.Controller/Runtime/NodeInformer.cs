using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubePki.Controller.Model;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>Every Node's name and addresses, kept by the shared list + watch loop (one list at start, then changes
/// only) so the approver checks a CSR against all Nodes without a request per CSR. <see cref="Current"/> is rebuilt
/// only after a change.</summary>
public sealed class NodeInformer : IListWatchTarget<V1Node>
{
    private readonly ListWatch<V1NodeList, V1Node> _loop;
    private readonly ListedNames<NodeFacts> _listed;
    private readonly ConcurrentDictionary<string, NodeFacts> _nodes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private NodeSet _current = NodeSet.Empty;
    private long _version;
    private long _builtVersion = -1;

    public NodeInformer(KubeCsrApi api, ILogger logger, TimeProvider time)
    {
        _listed = new(_nodes);
        _loop = new(
            api.Client,
            "Nodes",
            "api/v1/nodes",
            (token, limit, ct) =>
                api.Client.CoreV1.ListNodeAsync(continueParameter: token, limit: limit, cancellationToken: ct),
            KubeJson.ReadNode,
            this,
            logger,
            time
        );
    }

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>How many times the Nodes changed as the approver sees them (each makes the next read rebuild the
    /// set).</summary>
    internal long Changes
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public Task Synced => _synced.Task;

    public NodeSet Current
    {
        get
        {
            lock (_gate)
            {
                if (_builtVersion != _version)
                {
                    _builtVersion = _version;
                    _current = NodeSet.Of(_nodes.Values);
                }
                return _current;
            }
        }
    }

    public Task RunAsync(CancellationToken cancellationToken) => _loop.RunAsync(cancellationToken);

    void IListWatchTarget<V1Node>.ListStarted() => _listed.Clear();

    void IListWatchTarget<V1Node>.Listed(V1Node node) => _listed.Put(node.Metadata.Name, CsrConverter.ToFacts(node));

    void IListWatchTarget<V1Node>.ListDone()
    {
        _listed.DropUnlisted();
        _listed.Clear();
        Changed();
        _synced.TrySetResult();
    }

    void IListWatchTarget<V1Node>.Changed(string type, V1Node node)
    {
        if (type == "DELETED")
        {
            _nodes.TryRemove(node.Metadata.Name, out _);
            Changed();
        }
        else if (type is "ADDED" or "MODIFIED")
        {
            // Most Node updates are the kubelet's status reports (conditions, heartbeats) with the same addresses:
            // they leave the set as it is rather than rebuild it for the next CSR.
            var facts = CsrConverter.ToFacts(node);
            if (_nodes.TryGetValue(facts.Name, out var held) && held.SameAs(facts))
            {
                return;
            }
            _nodes[facts.Name] = facts;
            Changed();
        }
    }

    private void Changed()
    {
        lock (_gate)
        {
            _version++;
        }
    }
}
