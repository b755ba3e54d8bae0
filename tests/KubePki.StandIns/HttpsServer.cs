using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubePki.StandIns;

/// <summary>A minimal HTTPS/1.1 server: "ok" for the given paths (query ignored), 404 for anything else.</summary>
public static class HttpsServer
{
    public static async Task ServeAsync(
        IPAddress address,
        int port,
        X509Certificate2 certificate,
        IReadOnlyList<string> paths
    )
    {
        var listener = new TcpListener(address, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync();
            _ = Task.Run(() => HandleAsync(client, certificate, paths));
        }
    }

    private static async Task HandleAsync(TcpClient client, X509Certificate2 certificate, IReadOnlyList<string> paths)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var options = new SslServerAuthenticationOptions { ServerCertificate = certificate };
                await tls.AuthenticateAsServerAsync(options, timeout.Token);
                var buffer = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n"))
                {
                    var read = await tls.ReadAsync(buffer, timeout.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                var target = request.ToString().Split(' ', 3) is { Length: 3 } parts ? parts[1].Split('?')[0] : "";
                var (status, body) = paths.Contains(target)
                    ? ("200 OK", "ok")
                    : ("404 Not Found", "404 page not found");
                await tls.WriteAsync(
                    Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {status}\r\nContent-Type: "
                            + $"text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"
                    ),
                    timeout.Token
                );
            }
            catch (Exception e)
                when (e
                        is IOException
                            or System.Security.Authentication.AuthenticationException
                            or OperationCanceledException
                            or SocketException
                ) { }
        }
    }
}
