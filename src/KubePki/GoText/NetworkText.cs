using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace KubePki.GoText;

/// <summary>Parsing of the addresses, CIDRs and endpoints found in kubeadm configs.</summary>
internal static class NetworkText
{
    /// <summary>Parses an IP the way Go's net.ParseIP does (see <see cref="IpAddressText"/>).</summary>
    public static bool TryParseIp(
        string? text,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? ip
    ) => IpAddressText.TryParse(text, out ip);

    /// <summary>kubeadm's API server virtual IP: index 1 of the first CIDR of serviceSubnet (10.96.0.0/12 →
    /// 10.96.0.1).</summary>
    public static IPAddress ApiServerVirtualIp(string serviceSubnet)
    {
        var first = serviceSubnet.Split(',')[0].Trim();
        if (!IpAddressText.TryParseCidr(first, out var network))
        {
            throw new KubePkiException(
                $"networking.serviceSubnet: \"{serviceSubnet}\" is not a valid CIDR",
                KubePkiErrorKind.InvalidInput
            );
        }
        var bytes = network.BaseAddress.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) + 1;
        var hostBits = bytes.Length * 8 - network.PrefixLength;
        if (hostBits < 1 || (hostBits < 2 && network.BaseAddress.AddressFamily == AddressFamily.InterNetwork))
        {
            throw new KubePkiException(
                $"networking.serviceSubnet: \"{serviceSubnet}\" is too small to hold the API server's service IP",
                KubePkiErrorKind.InvalidInput
            );
        }
        var result = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[bytes.Length];
        result.CopyTo(padded, padded.Length - result.Length);
        return new IPAddress(padded);
    }

    public static bool IsValidCidrList(string text) =>
        text.Split(',').All(part => IpAddressText.TryParseCidr(part.Trim(), out _));

    /// <summary>Splits <c>host[:port]</c> as Go's net.SplitHostPort would, also taking a bare host or [v6].</summary>
    public static (string Host, int? Port) SplitHostPort(string endpoint, string what)
    {
        var text = endpoint.Trim();
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                throw new KubePkiException(
                    $"error parsing {what} \"{endpoint}\": missing ']'",
                    KubePkiErrorKind.InvalidInput
                );
            }
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    throw new KubePkiException($"error parsing {what} \"{endpoint}\"", KubePkiErrorKind.InvalidInput);
                }
                portText = text[(close + 2)..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        else
        {
            host = text; // a bare host name, IPv4 or unbracketed IPv6 address
        }
        if (host.Length == 0 || (!TryParseIp(host, out _) && !DnsNames.IsSubdomain(host)))
        {
            throw new KubePkiException(
                $"error parsing {what} \"{endpoint}\": \"{host}\" is not a valid IP address or DNS name",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (portText is null)
        {
            return (host, null);
        }
        if (!int.TryParse(portText, out var port) || port is < 1 or > 65535)
        {
            throw new KubePkiException(
                $"error parsing {what} \"{endpoint}\": port \"{portText}\" must be a number from 1 to 65535",
                KubePkiErrorKind.InvalidInput
            );
        }
        return (host, port);
    }

    /// <summary>host:port with IPv6 hosts in brackets, as in a URL.</summary>
    public static string JoinHostPort(string host, int port) =>
        host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}"; // as Go's net.JoinHostPort
}
