namespace KubePki.Agent;

/// <summary>What a node's agent is doing, as <c>cluster status</c> shows it.</summary>
public enum AgentState
{
    /// <summary>Nothing is due.</summary>
    Idle,

    /// <summary>Something is due; waiting for the maintenance window or for another node's turn.</summary>
    Pending,

    /// <summary>Holding the cluster's slot: renewing and restarting.</summary>
    Renewing,

    /// <summary>Something is due but the cluster is not healthy enough to go on (the message says why).</summary>
    Blocked,

    /// <summary>A component did not come back after its restart; the rollout stops until it is repaired.</summary>
    Failed,
}
