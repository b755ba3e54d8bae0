namespace KubePki.Agent;

/// <summary>A control-plane node as the gate sees it: its name and its agent's last report (null: none yet).</summary>
public sealed record NodeView(string Name, NodeReport? Report, string? RenewRequest = null);

/// <summary>Who holds the cluster's node slot (the Lease), and whether that hold has lapsed.</summary>
public sealed record SlotView(string? Holder, bool Expired)
{
    public static SlotView Free { get; } = new(null, true);

    public bool HeldBy(string node) => Holder == node && !Expired;

    public bool HeldByOther(string node) => Holder is { Length: > 0 } h && h != node && !Expired;
}

/// <summary>The gate's answer: go, wait as usual (<see cref="AgentState.Pending"/>), or wait because the cluster is
/// not healthy (<see cref="AgentState.Blocked"/>), with the reason the status shows.</summary>
public sealed record GateVerdict(AgentState WaitState, string? Reason)
{
    public static GateVerdict Go { get; } = new(AgentState.Renewing, null);

    public bool Open => Reason is null;

    public static GateVerdict Pending(string reason) => new(AgentState.Pending, $"waiting: {reason}");

    public static GateVerdict Blocked(string reason) => new(AgentState.Blocked, $"waiting: {reason}");
}

/// <summary>What must hold before a node takes the slot and before each of its restarts: nobody else holds the slot,
/// etcd has every member and each is healthy, this node's components are healthy, and every other control-plane node
/// reported recently, is healthy, has nothing half done and has not failed. A node whose agent died in the middle of
/// its work therefore holds the whole rollout, even after its Lease lapsed.</summary>
public static class ClusterGate
{
    public static GateVerdict Check(
        string self,
        IReadOnlyList<NodeView> nodes,
        SlotView slot,
        string? etcdProblem,
        string? ownUnhealthy,
        DateTimeOffset now
    )
    {
        if (slot.HeldByOther(self))
        {
            return GateVerdict.Pending($"node {slot.Holder} holds the slot");
        }
        if (etcdProblem is not null)
        {
            return GateVerdict.Blocked(etcdProblem);
        }
        if (ownUnhealthy is not null)
        {
            return GateVerdict.Blocked($"{ownUnhealthy} on this node");
        }
        foreach (var node in nodes.Where(n => n.Name != self).OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (OtherNodeProblem(node, now) is { } problem)
            {
                return GateVerdict.Blocked(problem);
            }
        }
        return GateVerdict.Go;
    }

    private static string? OtherNodeProblem(NodeView node, DateTimeOffset now) =>
        node.Report switch
        {
            null => $"node {node.Name} has no report from its agent",
            { } r when r.IsStale(now) => $"node {node.Name} has not reported since {NodeReport.Time(r.Heartbeat)}",
            { State: AgentState.Failed } r => $"node {node.Name} failed: {r.Message}",
            { State: AgentState.Renewing } => $"node {node.Name} is renewing",
            { PendingRestarts.Count: > 0 } r =>
                $"node {node.Name} has restarts left to do ({string.Join(", ", r.PendingRestarts)})",
            { Healthy: false } r => $"node {node.Name}: {r.Unhealthy ?? "a component is unhealthy"}",
            _ => null,
        };
}
