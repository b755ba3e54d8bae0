using System.Net.Security;
using System.Net.Sockets;

namespace KubePki.ControlPlane;

/// <summary>Probes over real sockets. Like the kubelet's prober it does not verify HTTPS servers: a probe asks "are
/// you up", not "are you who I think"; the served-certificate check is separate and exact.</summary>
internal sealed class HttpComponentProbe : IComponentProbe, IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    private readonly HttpClient _client = new(
        new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = RequestTimeout,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
        }
    )
    {
        Timeout = RequestTimeout,
    };

    public async Task<ProbeOutcome> GetAsync(HttpGetProbe probe, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, probe.Url);
            request.Headers.ConnectionClose = true;
            using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400
                ? new ProbeOutcome(ProbeState.Success, $"HTTP {code}")
                : new ProbeOutcome(ProbeState.Failure, $"HTTP {code}");
        }
        catch (Exception e)
            when (e is HttpRequestException or TaskCanceledException or IOException
                && !cancellationToken.IsCancellationRequested
            )
        {
            return new ProbeOutcome(ProbeState.Unreachable, Innermost(e));
        }
    }

    public async Task<byte[]?> ServedCertificateAsync(string host, int port, CancellationToken cancellationToken)
    {
        byte[]? served = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            await using var tls = new SslStream(
                tcp.GetStream(),
                leaveInnerStreamOpen: false,
                (_, certificate, _, _) =>
                {
                    served = certificate?.GetRawCertData();
                    return true;
                }
            );
            // A server that requires client certificates (etcd) may end the handshake after presenting its own; the
            // certificate was captured by then.
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception e)
            when (e
                    is IOException
                        or SocketException
                        or OperationCanceledException
                        or System.Security.Authentication.AuthenticationException
                && !cancellationToken.IsCancellationRequested
            ) { }
        return served;
    }

    public void Dispose() => _client.Dispose();

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e is TaskCanceledException or TimeoutException ? "timed out" : e.Message.TrimEnd('.');
    }
}
