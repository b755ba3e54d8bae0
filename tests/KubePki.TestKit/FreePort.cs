using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace KubePki.TestKit;

/// <summary>A TCP port nothing listens on at the moment, on one address (tests that run servers on loopback
/// IPs). Drawn below Linux's ephemeral range (32768–60999): a port the kernel picks for port 0 is also what it gives
/// the next outgoing connection, which could take it before the server a test starts binds it.</summary>
public static class FreePort
{
    private const int Low = 20000;
    private const int High = 32768;

    public static int On(string ip)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = RandomNumberGenerator.GetInt32(Low, High);
            var listener = new TcpListener(IPAddress.Parse(ip), port);
            try
            {
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: draw again.
            }
            finally
            {
                listener.Stop();
            }
        }
        throw new InvalidOperationException($"no free port on {ip} in {Low}-{High - 1}");
    }
}
