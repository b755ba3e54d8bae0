namespace KubePki.InCluster;

/// <summary>Which coordination.k8s.io/v1 Lease a <see cref="LeaseElector"/> campaigns for, as whom, and client-go's
/// three leader-election timings.</summary>
public sealed record LeaseOptions(
    string Namespace,
    string Name,
    string Identity,
    TimeSpan LeaseDuration,
    TimeSpan RenewDeadline,
    TimeSpan RetryPeriod
);
