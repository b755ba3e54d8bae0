using k8s;

namespace KubePki.Agent;

/// <summary>One row of <c>cluster status</c>.</summary>
public sealed record NodeStatusRow
{
    public required string Node { get; init; }

    public string Role { get; init; } = "control-plane";

    /// <summary>The reported state; "Unknown" when the node has no report or its report is stale.</summary>
    public required string State { get; init; }

    public DateTimeOffset? EarliestExpiry { get; init; }

    public DateTimeOffset? LastRenewal { get; init; }

    public string Message { get; init; } = "";

    public DateTimeOffset? Heartbeat { get; init; }
}

/// <summary>The cluster's renewal status as the agents reported it on the Nodes, and the slot holder.</summary>
public sealed record ClusterStatus(string? Holder, IReadOnlyList<NodeStatusRow> Nodes)
{
    /// <summary>Healthy for a pipeline: no node Failed, Blocked, or without a live agent.</summary>
    public bool Ok => Nodes.All(n => n.State is not ("Failed" or "Blocked" or "Unknown"));

    /// <summary>Reads the control-plane Nodes' reports and the slot Lease (read only: a zero duration is never
    /// taken).</summary>
    public static async Task<ClusterStatus> ReadAsync(
        IKubernetes client,
        string leaseNamespace,
        string leaseName,
        TimeProvider time,
        CancellationToken cancellationToken
    )
    {
        var nodes = await new ClusterApi(client).ControlPlaneNodesAsync(cancellationToken).ConfigureAwait(false);
        var slot = await new NodeSlot(client, leaseNamespace, leaseName, TimeSpan.Zero, time)
            .ViewAsync(cancellationToken)
            .ConfigureAwait(false);
        return From(nodes, slot, time.GetUtcNow());
    }

    public static ClusterStatus From(IReadOnlyList<NodeView> nodes, SlotView slot, DateTimeOffset now) =>
        new(
            slot.Expired ? null : slot.Holder,
            [
                .. nodes.Select(n =>
                    n.Report switch
                    {
                        null => new NodeStatusRow
                        {
                            Node = n.Name,
                            State = "Unknown",
                            Message = "no report: is kubepki agent running on this node?",
                        },
                        { } r => new NodeStatusRow
                        {
                            Node = n.Name,
                            State = r.IsStale(now) ? "Unknown" : r.State.ToString(),
                            EarliestExpiry = r.EarliestExpiry,
                            LastRenewal = r.LastRenewal,
                            Message =
                                r.IsStale(now)
                                    ? $"no report since {NodeReport.Time(r.Heartbeat)} (last: {r.State}"
                                        + (r.Message.Length > 0 ? $", {r.Message})" : ")")
                                : r.Message.Length > 0 ? r.Message
                                : r.Healthy ? ""
                                : r.Unhealthy ?? "",
                            Heartbeat = r.Heartbeat,
                        },
                    }
                ),
            ]
        );
}
