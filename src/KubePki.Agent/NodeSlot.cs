using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Agent;

/// <summary>The cluster's single node slot: a coordination.k8s.io/v1 Lease whose holder is the node that may renew and
/// restart. Taken only when free or lapsed (renewTime + leaseDurationSeconds in the past), renewed while the work
/// lasts, released when done; every write is a compare-and-swap on the Lease's resourceVersion, so two nodes never
/// both take it.</summary>
internal sealed class NodeSlot(IKubernetes client, string ns, string name, TimeSpan duration, TimeProvider time)
{
    public string Namespace => ns;

    public string Name => name;

    public TimeSpan Duration => duration;

    public async Task<SlotView> ViewAsync(CancellationToken cancellationToken) =>
        View(await ReadAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Takes the slot for <paramref name="node"/> (or renews it if it already holds it); false when another
    /// node holds it or wrote first.</summary>
    public async Task<bool> TryTakeAsync(string node, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lease = await ReadAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (lease is null)
            {
                await client
                    .CoordinationV1.CreateNamespacedLeaseAsync(
                        new V1Lease
                        {
                            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                            Spec = Spec(node, now, now, 0),
                        },
                        ns,
                        cancellationToken: cancellationToken
                    )
                    .ConfigureAwait(false);
                return true;
            }
            var view = View(lease);
            if (view.HeldByOther(node))
            {
                return false;
            }
            var spec = lease.Spec ?? new V1LeaseSpec();
            lease.Spec =
                spec.HolderIdentity == node
                    ? Spec(node, spec.AcquireTime ?? now, now, spec.LeaseTransitions ?? 0)
                    : Spec(node, now, now, (spec.LeaseTransitions ?? 0) + 1);
            await client
                .CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <summary>Gives the slot up if <paramref name="node"/> holds it.</summary>
    public async Task ReleaseAsync(string node, CancellationToken cancellationToken)
    {
        var lease = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (lease?.Spec?.HolderIdentity != node)
        {
            return;
        }
        lease.Spec.HolderIdentity = null;
        lease.Spec.RenewTime = time.GetUtcNow().UtcDateTime;
        try
        {
            await client
                .CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            // Someone wrote in between: it is no longer ours to release.
        }
    }

    /// <summary>Renews the slot every third of its duration until <paramref name="stopping"/> is cancelled; a
    /// failed renewal is retried at the next beat.</summary>
    public async Task KeepAsync(string node, Action<string> warn, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(duration / 3, time, stopping).ConfigureAwait(false);
                if (!await TryTakeAsync(node, stopping).ConfigureAwait(false))
                {
                    warn($"could not renew the slot {ns}/{name}");
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException)
            {
                warn($"could not renew the slot {ns}/{name}: {e.Message}");
            }
        }
    }

    private SlotView View(V1Lease? lease)
    {
        if (lease?.Spec is not { HolderIdentity: { Length: > 0 } holder } spec)
        {
            return SlotView.Free;
        }
        var renewed = spec.RenewTime ?? spec.AcquireTime ?? DateTime.MinValue;
        var lapsed =
            new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc))
                + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? 0)
            < time.GetUtcNow();
        return new SlotView(holder, lapsed);
    }

    private V1LeaseSpec Spec(string node, DateTime acquired, DateTime renewed, int transitions) =>
        new()
        {
            HolderIdentity = node,
            LeaseDurationSeconds = (int)Math.Ceiling(duration.TotalSeconds),
            AcquireTime = acquired,
            RenewTime = renewed,
            LeaseTransitions = transitions,
        };

    private async Task<V1Lease?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client
                .CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
