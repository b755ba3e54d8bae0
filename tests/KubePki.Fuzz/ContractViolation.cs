namespace KubePki.Fuzz;

/// <summary>A target's own check failed: the code under test answered, but broke an invariant (e.g. a kubeconfig it
/// wrote reads back differently). Never caught by a target, so it is always a finding.</summary>
public sealed class ContractViolation(string message) : Exception(message);
