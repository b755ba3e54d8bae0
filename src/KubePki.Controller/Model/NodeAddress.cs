namespace KubePki.Controller.Model;

/// <summary>One entry of a Node's <c>status.addresses</c>. A value held inline in the Node's array: the Node cache
/// keeps two or three per Node.</summary>
public readonly record struct NodeAddress(string Type, string Address)
{
    public bool IsIp => Type is "InternalIP" or "ExternalIP";

    public bool IsDnsName => Type is "Hostname" or "InternalDNS" or "ExternalDNS";
}
