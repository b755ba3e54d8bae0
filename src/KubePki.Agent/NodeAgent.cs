using KubePki.Configuration;
using KubePki.ControlPlane;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Agent;

/// <summary>One control-plane node's agent. Each tick it reads the node's expirations, publishes its report, and, when
/// something is due or a renewal was requested, inside the window and with the gate open, takes the cluster's slot,
/// renews, restarts exactly the components that use what was renewed (checking the gate before each restart), waits
/// until all are healthy, records the result and releases the slot. The renewal and restart machinery is the
/// library's (<see cref="Renewer"/>, <see cref="ControlPlaneRefresh"/>); this adds the loop, the gate and the
/// slot.</summary>
internal sealed class NodeAgent(
    AgentOptions options,
    ClusterApi api,
    IComponentProbe probe,
    IKeyGenerator keys,
    TimeProvider time,
    TextWriter log
)
{
    private readonly NodeSlot _slot = new(
        api.Client,
        options.LeaseNamespace,
        options.LeaseName,
        options.LeaseDuration,
        time
    );
    private readonly EtcdCluster _etcd = new(
        options.Config.CertificatesDir ?? "/etc/kubernetes/pki",
        options.ControlPlane.ManifestPath(ControlPlaneComponent.Etcd),
        TimeSpan.FromSeconds(5)
    );

    private string Self => options.NodeName;

    /// <summary>The last report published (for metrics and tests).</summary>
    public NodeReport? LastReport { get; private set; }

    /// <summary>Puts back what a killed run left outside the manifests dir (the restart journal), before anything
    /// else: a component stopped by a crash must run again before the gate can judge the cluster.</summary>
    public void Recover()
    {
        using var refresh = ControlPlaneRefresh.Open(
            new RestartRequest(options.ControlPlane, TimeSpan.FromMinutes(1)),
            [],
            time,
            log,
            probe
        );
    }

    /// <summary>Ticks every --interval, or sooner when <paramref name="changes"/> says something it waits for
    /// changed, until cancelled; a failed tick is logged and retried at the next one.</summary>
    public async Task RunAsync(NodeChanges? changes, CancellationToken stopping)
    {
        Recover();
        await api.CheckNodeAsync(Self, stopping).ConfigureAwait(false);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log($"tick failed: {OneLine(e.Message)}");
            }
            try
            {
                if (changes is null)
                {
                    await Task.Delay(options.Interval, time, stopping).ConfigureAwait(false);
                }
                else
                {
                    await changes.WaitAsync(options.Interval, time, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nodes = await api.ControlPlaneNodesAsync(cancellationToken).ConfigureAwait(false);
        var me =
            nodes.FirstOrDefault(n => n.Name == Self)
            ?? throw new KubePkiException($"--node-name {Self}: no such Node labelled {ClusterApi.ControlPlaneLabel}");
        var previous = me.Report ?? new NodeReport { State = AgentState.Idle };
        var context = await ContextAsync(now, cancellationToken).ConfigureAwait(false);
        var (earliest, due) = Due(context, now);
        var requested = me.RenewRequest is { } request && request != previous.HandledRequest;
        var unhealthy = await ControlPlaneRefresh
            .UnhealthyAsync(options.ControlPlane, probe, servedCertificate: false, cancellationToken)
            .ConfigureAwait(false);
        var report = previous with
        {
            Heartbeat = now,
            Interval = options.Interval,
            EarliestExpiry = earliest,
            Healthy = unhealthy is null,
            Unhealthy = unhealthy,
        };
        var unfinished = previous.PendingRestarts.Count > 0 || previous.State == AgentState.Renewing;
        if (due.Count == 0 && !requested && !unfinished)
        {
            await PublishAsync(report with { State = AgentState.Idle, Message = "" }, cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        if (previous.State == AgentState.Failed && unhealthy is not null)
        {
            // Held until an operator repairs the component; then the rest is finished below.
            await PublishAsync(report, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!options.Window.Contains(now))
        {
            await PublishAsync(
                    Waiting(
                        report,
                        previous,
                        AgentState.Pending,
                        $"waiting: outside the maintenance window ({options.Window})"
                    ),
                    cancellationToken
                )
                .ConfigureAwait(false);
            return;
        }
        var verdict = await GateAsync(context, nodes, unhealthy, cancellationToken).ConfigureAwait(false);
        if (!verdict.Open)
        {
            await PublishAsync(Waiting(report, previous, verdict.WaitState, verdict.Reason!), cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        ControlPlaneRefresh refresh;
        try
        {
            refresh = ControlPlaneRefresh.Open(
                new RestartRequest(options.ControlPlane, TimeSpan.Zero),
                StaticPodRestarter.Installed(options.ControlPlane, TextWriter.Null),
                time,
                log,
                probe
            );
        }
        catch (KubePkiException e)
        {
            await PublishAsync(
                    Waiting(report, previous, AgentState.Blocked, $"waiting: {e.Message}"),
                    cancellationToken
                )
                .ConfigureAwait(false);
            return;
        }
        using (refresh)
        {
            if (!await _slot.TryTakeAsync(Self, cancellationToken).ConfigureAwait(false))
            {
                await PublishAsync(
                        Waiting(report, previous, AgentState.Pending, "waiting: another node took the slot"),
                        cancellationToken
                    )
                    .ConfigureAwait(false);
                return;
            }
            using var holding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var keeping = _slot.KeepAsync(Self, m => Log(m), holding.Token);
            try
            {
                var items = requested ? Existing(context) : due;
                await WorkAsync(
                        refresh,
                        context,
                        items,
                        report with
                        {
                            HandledRequest = requested ? me.RenewRequest : previous.HandledRequest,
                        },
                        cancellationToken
                    )
                    .ConfigureAwait(false);
            }
            finally
            {
                await holding.CancelAsync().ConfigureAwait(false);
                await keeping.ConfigureAwait(false);
                await _slot.ReleaseAsync(Self, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task WorkAsync(
        ControlPlaneRefresh refresh,
        IssueContext context,
        IReadOnlyList<RenewableItem> items,
        NodeReport report,
        CancellationToken cancellationToken
    )
    {
        var installed = StaticPodRestarter.Installed(options.ControlPlane, TextWriter.Null);
        var users = ControlPlaneRefresh.Users(items.Select(i => i.Name));
        var plan = installed.Where(c => report.PendingRestarts.Contains(c.Name) || users.Contains(c)).ToList();
        var names = string.Join(", ", items.Select(i => i.Name));
        var restarts = string.Join(", ", plan.Select(c => c.Name));
        report = report with
        {
            State = AgentState.Renewing,
            Message = items.Count > 0 ? $"renewing {names}" : $"restarting {restarts}",
            PendingRestarts = [.. plan.Select(c => c.Name)],
        };
        await PublishAsync(report, cancellationToken).ConfigureAwait(false);
        await EventAsync(
                "Normal",
                "CertificateRenewalStarted",
                (items.Count > 0 ? $"Renewing {names}" : "Finishing an interrupted renewal")
                    + (plan.Count > 0 ? $"; restarting {restarts}" : ""),
                cancellationToken
            )
            .ConfigureAwait(false);
        if (items.Count > 0)
        {
            try
            {
                new Renewer(context, time).Renew(items, new RenewalOptions { ConfigGiven = true });
            }
            catch (KubePkiException e)
            {
                // Items renewed before the failure stay renewed and their restarts stay recorded; the others wait.
                await FailAsync(report, plan, $"renewal failed: {OneLine(e.Message)}", cancellationToken)
                    .ConfigureAwait(false);
                return;
            }
        }
        var remaining = plan.ToList();
        foreach (var component in plan)
        {
            var nodes = await api.ControlPlaneNodesAsync(cancellationToken).ConfigureAwait(false);
            var unhealthy = await ControlPlaneRefresh
                .UnhealthyAsync(options.ControlPlane, probe, servedCertificate: false, cancellationToken)
                .ConfigureAwait(false);
            var verdict = await GateAsync(context, nodes, unhealthy, cancellationToken).ConfigureAwait(false);
            if (!verdict.Open)
            {
                await PublishAsync(
                        report with
                        {
                            State = AgentState.Blocked,
                            Message = $"{verdict.Reason} (before restarting {component.Name})",
                            PendingRestarts = [.. remaining.Select(c => c.Name)],
                        },
                        cancellationToken
                    )
                    .ConfigureAwait(false);
                return;
            }
            try
            {
                // Not cancelled by the agent's shutdown: a component is never left stopped by a pod deletion.
                await refresh.RestartAsync([component], CancellationToken.None).ConfigureAwait(false);
            }
            catch (KubePkiException e)
            {
                await FailAsync(report, remaining, OneLine(e.Message), cancellationToken).ConfigureAwait(false);
                return;
            }
            remaining.Remove(component);
            report = report with { PendingRestarts = [.. remaining.Select(c => c.Name)] };
            await PublishAsync(report, cancellationToken).ConfigureAwait(false);
        }
        var deadline = time.GetUtcNow() + options.ControlPlane.Timeout;
        while (
            await ControlPlaneRefresh
                .UnhealthyAsync(options.ControlPlane, probe, servedCertificate: true, cancellationToken)
                .ConfigureAwait(false)
                is { } problem
        )
        {
            if (time.GetUtcNow() >= deadline)
            {
                await FailAsync(
                        report,
                        remaining,
                        $"not healthy within {options.ControlPlane.TimeoutText} after the restarts: {problem}",
                        cancellationToken
                    )
                    .ConfigureAwait(false);
                return;
            }
            await Task.Delay(options.ControlPlane.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
        var done = time.GetUtcNow();
        var (earliest, _) = Due(context, done);
        var message = items.Count > 0 ? $"renewed {names}" : "finished an interrupted renewal";
        await PublishAsync(
                report with
                {
                    State = AgentState.Idle,
                    Message = message + (plan.Count > 0 ? $"; restarted {restarts}" : ""),
                    PendingRestarts = [],
                    LastRenewal = done,
                    EarliestExpiry = earliest,
                    Healthy = true,
                    Unhealthy = null,
                    Renewals = report.Renewals + 1,
                    Heartbeat = done,
                },
                cancellationToken
            )
            .ConfigureAwait(false);
        await EventAsync("Normal", "CertificateRenewalFinished", message, cancellationToken).ConfigureAwait(false);
    }

    private async Task FailAsync(
        NodeReport report,
        IReadOnlyList<ControlPlaneComponent> remaining,
        string message,
        CancellationToken cancellationToken
    )
    {
        await PublishAsync(
                report with
                {
                    State = AgentState.Failed,
                    Message = message,
                    PendingRestarts = [.. remaining.Select(c => c.Name)],
                    Failures = report.Failures + 1,
                    Healthy = false,
                    Unhealthy = message,
                },
                cancellationToken
            )
            .ConfigureAwait(false);
        await EventAsync("Warning", "CertificateRenewalFailed", message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GateVerdict> GateAsync(
        IssueContext context,
        IReadOnlyList<NodeView> nodes,
        string? unhealthy,
        CancellationToken cancellationToken
    )
    {
        var slot = await _slot.ViewAsync(cancellationToken).ConfigureAwait(false);
        var etcd = context.Config.ExternalEtcd
            ? null
            : await _etcd.ProblemAsync([.. nodes.Select(n => n.Name)], cancellationToken).ConfigureAwait(false);
        return ClusterGate.Check(Self, nodes, slot, etcd, unhealthy, time.GetUtcNow());
    }

    // A node that failed stays Failed while it waits (the operator must see it); otherwise the gate's state.
    private static NodeReport Waiting(NodeReport report, NodeReport previous, AgentState state, string message) =>
        previous.State == AgentState.Failed
            ? report with
            {
                State = AgentState.Failed,
            }
            : report with
            {
                State = state,
                Message = message,
            };

    private async Task<IssueContext> ContextAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var text = options.Config.ConfigPath is null
            ? await api.KubeadmClusterConfigurationAsync(cancellationToken).ConfigureAwait(false)
            : null;
        var config = ClusterConfigResolver.Resolve(
            options.Config,
            TextWriter.Null,
            reportAddress: false,
            document: text is null ? null : ("ConfigMap kube-system/kubeadm-config", text)
        );
        return new IssueContext(
            config,
            new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance),
            keys,
            now,
            log
        );
    }

    /// <summary>The earliest expiry of this node's certificates and kubeconfigs, and the items due: expiring within
    /// --renew-before and renewable (signed here by a CA whose own expiry is later, so a renewal moves the date; a
    /// certificate capped by its CA needs a CA rotation, not a renewal loop).</summary>
    private (DateTimeOffset? Earliest, IReadOnlyList<RenewableItem> Due) Due(IssueContext context, DateTimeOffset now)
    {
        var report = ExpirationReport.Build(context.Config, context.Pki, now);
        var caExpiry = report
            .CertificateAuthorities.Where(c => c.ExpirationDate is not null)
            .ToDictionary(c => c.Name, c => c.ExpirationDate!.Value, StringComparer.Ordinal);
        var present = report.Certificates.Where(c => !c.Missing && c.ExpirationDate is not null).ToList();
        var dueNames = present
            .Where(c =>
                !c.ExternallyManaged
                && c.ExpirationDate!.Value - now <= options.RenewBefore
                && (
                    c.CaName is null
                    || !caExpiry.TryGetValue(c.CaName, out var ca)
                    || ca - c.ExpirationDate!.Value > TimeSpan.FromMinutes(1)
                )
            )
            .Select(c => c.Name)
            .ToHashSet(StringComparer.Ordinal);
        DateTimeOffset? earliest = present.Count == 0 ? null : present.Min(c => c.ExpirationDate!.Value);
        return (earliest, [.. Existing(context).Where(i => dueNames.Contains(i.Name))]);
    }

    private static IReadOnlyList<RenewableItem> Existing(IssueContext context) =>
        [.. RenewalCatalog.Items(context.Config, context.Pki).Where(i => i.Exists(context.Pki.Store))];

    private async Task PublishAsync(NodeReport report, CancellationToken cancellationToken)
    {
        await api.PublishAsync(Self, report, cancellationToken).ConfigureAwait(false);
        if (LastReport?.State != report.State || LastReport?.Message != report.Message)
        {
            Log($"{report.State}{(report.Message.Length > 0 ? ": " + report.Message : "")}");
        }
        LastReport = report;
    }

    private async Task EventAsync(string type, string reason, string message, CancellationToken cancellationToken)
    {
        try
        {
            await api.EventAsync(Self, type, reason, message, time.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            // An Event is a courtesy: the report on the Node is the record.
            Log($"could not record event {reason}: {OneLine(e.Message)}");
        }
    }

    private void Log(string line)
    {
        lock (log)
        {
            log.WriteLine($"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ} [agent {Self}] {line}");
            log.Flush();
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
