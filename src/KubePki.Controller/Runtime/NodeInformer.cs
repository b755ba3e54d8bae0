using System.Collections.Concurrent;
using KubePki.Controller.Model;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>Every Node's name and addresses, kept by list + watch (one list at start, then changes only) so the
/// approver
/// checks a CSR against all Nodes without a request per CSR. <see cref="Current"/> is rebuilt only after a
/// change.</summary>
public sealed class NodeInformer(KubeCsrApi api, ILogger logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, NodeFacts> _nodes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private NodeSet _current = NodeSet.Empty;
    private long _version;
    private long _builtVersion = -1;

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

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var version = await ListAsync(cancellationToken);
                failures = 0;
                await WatchAsync(version, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(failures, 8))));
                logger.LogWarning("listing/watching Nodes failed ({Error}); retrying in {Delay}", e.Message, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var version = await api.ListNodesAsync(
            node =>
            {
                names.Add(node.Metadata.Name);
                _nodes[node.Metadata.Name] = CsrConverter.ToFacts(node);
            },
            cancellationToken
        );
        foreach (var gone in _nodes.Keys.Where(k => !names.Contains(k)))
        {
            _nodes.TryRemove(gone, out _);
        }
        Changed();
        _synced.TrySetResult();
        return version;
    }

    private async Task WatchAsync(string version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? error = null;
            var timeout = 300 + Random.Shared.Next(300);
            await foreach (
                var (type, node) in api.WatchNodesAsync(version, timeout, e => error ??= e, cancellationToken)
            )
            {
                version = node.Metadata.ResourceVersion ?? version;
                if (type == "DELETED")
                {
                    _nodes.TryRemove(node.Metadata.Name, out _);
                    Changed();
                }
                else if (type is "ADDED" or "MODIFIED")
                {
                    // Most Node updates are the kubelet's status reports (conditions, heartbeats) with the same
                    // addresses: they leave the set as it is rather than rebuild it for the next CSR.
                    var facts = CsrConverter.ToFacts(node);
                    if (_nodes.TryGetValue(facts.Name, out var held) && held.SameAs(facts))
                    {
                        continue;
                    }
                    _nodes[facts.Name] = facts;
                    Changed();
                }
            }
            if (error is not null)
            {
                logger.LogInformation("Node watch ended with {Error}; re-listing", error.Message);
                return;
            }
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
