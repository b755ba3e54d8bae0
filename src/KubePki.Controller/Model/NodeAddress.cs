namespace KubePki.Controller.Model;

/// <summary>One entry of a Node's <c>status.addresses</c>.</summary>
public sealed record NodeAddress(string Type, string Address)
{
    public bool IsIp => Type is "InternalIP" or "ExternalIP";

    public bool IsDnsName => Type is "Hostname" or "InternalDNS" or "ExternalDNS";
}
