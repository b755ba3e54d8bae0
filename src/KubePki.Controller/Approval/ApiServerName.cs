using System.Net;
using KubePki.GoText;

namespace KubePki.Controller.Approval;

/// <summary>A name the API server's own certificate carries because the operator chose it: the controlPlaneEndpoint
/// host or an apiServer.certSANs entry (<paramref name="Source"/> says which). A DNS name compares without case and
/// without a final dot, as resolvers compare names; an IP compares as an address (<c>2001:db8:0::10</c> is
/// <c>2001:db8::10</c>).</summary>
public sealed record ApiServerName(string Name, string Source)
{
    public const string ControlPlaneEndpoint = "controlPlaneEndpoint";
    public const string CertSans = "apiServer.certSANs";

    /// <summary>The name as an IP address (as Go reads it), or null for a DNS name.</summary>
    public IPAddress? Ip { get; } = IpAddressText.TryParse(Name, out var ip) ? ip : null;

    public bool Matches(IPAddress address) => Ip is { } ip && ip.Equals(IpAddressText.Canonical(address));

    /// <summary>The name itself, or for a wildcard entry (<c>*.api.example</c>) any name it covers as TLS clients
    /// match it: exactly one label in place of the <c>*</c>.</summary>
    public bool Matches(string dnsName)
    {
        if (Ip is not null)
        {
            return false;
        }
        var name = dnsName.TrimEnd('.');
        var own = Name.TrimEnd('.');
        if (own.StartsWith("*.", StringComparison.Ordinal))
        {
            var dot = name.IndexOf('.');
            return dot > 0 && string.Equals(name[dot..], own[1..], StringComparison.OrdinalIgnoreCase);
        }
        return string.Equals(name, own, StringComparison.OrdinalIgnoreCase);
    }
}
