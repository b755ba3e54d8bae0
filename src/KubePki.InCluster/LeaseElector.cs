using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace KubePki.InCluster;

/// <summary>client-go's leader election over a coordination.k8s.io/v1 Lease: acquire when the Lease is free or its
/// holder has not renewed it for a lease duration (measured on our clock from when we last saw it change, so clock
/// skew between replicas does not matter), renew every retry period, and stop leading when renewals fail for the
/// renew deadline. Every write is a compare-and-swap on the Lease's resourceVersion. <see cref="ReleaseAsync"/> gives
/// the Lease up once the leader's work has stopped, so a follower takes over at once.</summary>
public sealed class LeaseElector(IKubernetes client, LeaseOptions options, ILogger logger, TimeProvider time)
{
    private string? _observedHolder;
    private DateTime? _observedRenewTime;
    private DateTimeOffset _observedAt;

    private int _unreachable = 1; // not reached yet

    public event Action? OnStartedLeading;

    /// <summary>Whether the last attempt reached the API server (any answer, even a conflict, counts).</summary>
    public bool ApiReachable => Volatile.Read(ref _unreachable) == 0;

    public event Action? OnReachabilityChanged;

    public event Action? OnStoppedLeading;

    /// <summary>Campaigns, leads while renewals succeed, and campaigns again after losing the Lease, until
    /// cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await AcquireAsync(cancellationToken))
            {
                return;
            }
            OnStartedLeading?.Invoke();
            try
            {
                await RenewWhileLeadingAsync(cancellationToken);
            }
            finally
            {
                OnStoppedLeading?.Invoke();
            }
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken))
            {
                return true;
            }
            if (!await DelayAsync(Jittered(BackOff()), cancellationToken))
            {
                return false;
            }
        }
        return false;
    }

    private async Task RenewWhileLeadingAsync(CancellationToken cancellationToken)
    {
        var lastRenewal = time.GetUtcNow();
        while (await DelayAsync(options.RetryPeriod, cancellationToken))
        {
            if (await TryAcquireOrRenewAsync(cancellationToken))
            {
                lastRenewal = time.GetUtcNow();
            }
            else if (time.GetUtcNow() - lastRenewal >= options.RenewDeadline)
            {
                logger.LogWarning(
                    "{Identity} could not renew {Namespace}/{Lease} within {Deadline}",
                    options.Identity,
                    options.Namespace,
                    options.Name,
                    options.RenewDeadline
                );
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var lease = await ReadAsync(cancellationToken);
            if (lease is null)
            {
                var created = new V1Lease
                {
                    Metadata = new V1ObjectMeta { Name = options.Name, NamespaceProperty = options.Namespace },
                    Spec = Record(now, now, 0),
                };
                await client.CoordinationV1.CreateNamespacedLeaseAsync(
                    created,
                    options.Namespace,
                    cancellationToken: cancellationToken
                );
                Reached(true);
                Observe(created.Spec);
                return true;
            }
            Reached(true);
            var spec = lease.Spec ?? new V1LeaseSpec();
            if (spec.HolderIdentity != _observedHolder || spec.RenewTime != _observedRenewTime)
            {
                Observe(spec);
            }
            var ours = spec.HolderIdentity == options.Identity;
            var held =
                !string.IsNullOrEmpty(spec.HolderIdentity)
                && _observedAt + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? 0) > time.GetUtcNow();
            if (!ours && held)
            {
                return false;
            }
            lease.Spec = ours
                ? Record(spec.AcquireTime ?? now, now, spec.LeaseTransitions ?? 0)
                : Record(now, now, (spec.LeaseTransitions ?? 0) + 1);
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(
                lease,
                options.Name,
                options.Namespace,
                cancellationToken: cancellationToken
            );
            Observe(lease.Spec);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is HttpOperationException or KubernetesException)
        {
            // A conflict means another replica wrote first; anything else is retried on the next period.
            Reached(true);
            logger.LogDebug("lease {Namespace}/{Lease}: {Error}", options.Namespace, options.Name, e.Message);
            return false;
        }
        catch (HttpRequestException e)
        {
            Reached(false);
            logger.LogWarning(
                "lease {Namespace}/{Lease}: the API server is unreachable ({Error}); retrying in {Delay}",
                options.Namespace,
                options.Name,
                e.Message,
                BackOff()
            );
            return false;
        }
    }

    // The retry period while the API server answers; doubling per unreachable attempt up to 30 s while it does not.
    private TimeSpan BackOff()
    {
        var failures = Math.Min(Volatile.Read(ref _unreachable), 10);
        var cap = TimeSpan.FromSeconds(Math.Max(30, options.RetryPeriod.TotalSeconds));
        return TimeSpan.FromTicks(Math.Min(cap.Ticks, options.RetryPeriod.Ticks * (1L << failures)));
    }

    private void Reached(bool reached)
    {
        var wasReachable = ApiReachable;
        if (reached)
        {
            Volatile.Write(ref _unreachable, 0);
        }
        else
        {
            Interlocked.Increment(ref _unreachable);
        }
        if (wasReachable != reached)
        {
            OnReachabilityChanged?.Invoke();
        }
    }

    /// <summary>Gives the Lease up (empty holder, 1 s duration) if we still hold it; best effort.</summary>
    public async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(options.RenewDeadline);
        try
        {
            var lease = await ReadAsync(timeout.Token);
            if (lease?.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }
            var now = time.GetUtcNow().UtcDateTime;
            lease.Spec = new V1LeaseSpec
            {
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = lease.Spec.LeaseTransitions,
            };
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(
                lease,
                options.Name,
                options.Namespace,
                cancellationToken: timeout.Token
            );
        }
        catch (Exception e)
            when (e
                    is HttpOperationException
                        or HttpRequestException
                        or KubernetesException
                        or OperationCanceledException
            )
        {
            logger.LogDebug("releasing lease {Namespace}/{Lease}: {Error}", options.Namespace, options.Name, e.Message);
        }
    }

    private async Task<V1Lease?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(
                options.Name,
                options.Namespace,
                cancellationToken: cancellationToken
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private V1LeaseSpec Record(DateTime acquired, DateTime renewed, int transitions) =>
        new()
        {
            HolderIdentity = options.Identity,
            LeaseDurationSeconds = (int)Math.Ceiling(options.LeaseDuration.TotalSeconds),
            AcquireTime = acquired,
            RenewTime = renewed,
            LeaseTransitions = transitions,
        };

    private void Observe(V1LeaseSpec spec)
    {
        _observedHolder = spec.HolderIdentity;
        _observedRenewTime = spec.RenewTime;
        _observedAt = time.GetUtcNow();
    }

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + Random.Shared.NextDouble() * 0.2);

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
