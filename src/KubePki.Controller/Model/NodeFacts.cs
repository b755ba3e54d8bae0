namespace KubePki.Controller.Model;

/// <summary>The Node object named by a serving CSR's CN: its name and <c>status.addresses</c> (type, address).</summary>
public sealed record NodeFacts(string Name, IReadOnlyList<NodeAddress> Addresses);
