using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace KubePki.Configuration;

/// <summary>kubeadm's host-derived defaults: node name = host name in lower case; advertise address = the IPv4 address
/// of the interface holding the default route, or 127.0.0.1 when there is none.</summary>
public static class HostDefaults
{
    public static string NodeName() => Dns.GetHostName().ToLowerInvariant();

    /// <summary>The address and a sentence saying where it came from.</summary>
    public static (string Address, string Origin) AdvertiseAddress()
    {
        var iface = DefaultRouteInterface();
        if (iface is not null)
        {
            var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == iface);
            var ip = nic?.GetIPProperties().UnicastAddresses
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
            if (ip is not null)
            {
                return (ip.ToString(), $"the address of {iface}, the default-route interface");
            }
        }
        return ("127.0.0.1", "127.0.0.1, as this host has no default route");
    }

    // /proc/net/route: the default route is the line whose destination is 00000000.
    private static string? DefaultRouteInterface()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/net/route").Skip(1))
            {
                var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (fields.Length > 2 && fields[1] == "00000000" && int.TryParse(fields[3], NumberStyles.HexNumber, null, out var flags) && (flags & 1) == 1)
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
