using System.Net;
using System.Net.Sockets;

namespace KubePki.TestKit;

/// <summary>A TCP port nothing listens on at the moment, on one address (tests that run servers on loopback
/// IPs).</summary>
public static class FreePort
{
    public static int On(string ip)
    {
        var listener = new TcpListener(IPAddress.Parse(ip), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
