using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace KubePki.Configuration;

/// <summary>kubeadm's host-derived defaults: node name = host name in lower case; advertise address = an address of
/// the interface holding the default route (IPv4 first, then IPv6), or kubeadm's 0.0.0.0 with its warning when there
/// is no default route.</summary>
internal static class HostDefaults
{
    public const string Ipv4RouteTable = "/proc/net/route";
    public const string Ipv6RouteTable = "/proc/net/ipv6_route";

    /// <summary>What kubeadm falls back to (constants.DefaultAPIServerBindAddress).</summary>
    public const string NoRouteAddress = "0.0.0.0";

    public static string NodeName() => Dns.GetHostName().ToLowerInvariant();

    /// <summary>The address and the line to print about it: where it came from, or kubeadm's no-route
    /// warning.</summary>
    public static (string Address, string Message) AdvertiseAddress(
        string ipv4Routes = Ipv4RouteTable,
        string ipv6Routes = Ipv6RouteTable
    )
    {
        foreach (var (iface, family) in DefaultRouteInterfaces(ipv4Routes, ipv6Routes))
        {
            var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == iface);
            var ip = nic
                ?.GetIPProperties()
                .UnicastAddresses.Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == family && !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal);
            if (ip is not null)
            {
                return (
                    ip.ToString(),
                    $"[config] Using advertise address {ip}: the address of {iface}, the default-route interface"
                );
            }
        }
        return (
            NoRouteAddress,
            "WARNING: could not obtain a bind address for the API Server: no default routes found in "
                + $"\"{ipv4Routes}\" or \"{ipv6Routes}\"; using: {NoRouteAddress}"
        );
    }

    // IPv4: the line whose destination is 00000000 with the route-up flag. IPv6: destination ::/0 (32 zeros, prefix 00)
    // on an interface other than lo.
    private static IEnumerable<(string Interface, AddressFamily Family)> DefaultRouteInterfaces(
        string ipv4Routes,
        string ipv6Routes
    )
    {
        foreach (var line in Lines(ipv4Routes).Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (
                fields.Length > 3
                && fields[1] == "00000000"
                && int.TryParse(fields[3], NumberStyles.HexNumber, null, out var flags)
                && (flags & 1) == 1
            )
            {
                yield return (fields[0], AddressFamily.InterNetwork);
            }
        }
        foreach (var line in Lines(ipv6Routes))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 10 && fields[0] == new string('0', 32) && fields[1] == "00" && fields[9] != "lo")
            {
                yield return (fields[9], AddressFamily.InterNetworkV6);
            }
        }
    }

    private static IEnumerable<string> Lines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
