using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KubePki.Interop.Tests.Support;

/// <summary>A minimal stand-in for kube-apiserver's TLS front door: HTTPS on a loopback port with a given serving cert
/// and key, client certificates REQUIRED and verified against a given CA (clientAuth EKU), HTTP/1.1 keep-alive,
/// answering
/// <c>GET /version</c> and <c>GET /healthz</c>. Records who each request came from (client cert CN and O values) and
/// why refused handshakes were refused.</summary>
public sealed class TestApiEndpoint : IAsyncDisposable
{
    public sealed record Seen(string Method, string Path, string CommonName, IReadOnlyList<string> Organizations);

    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string VersionJson = """
        {"major":"1","minor":"32","gitVersion":"v1.32.0","gitCommit":"0000000000000000000000000000000000000000",
        "gitTreeState":"clean","buildDate":"2024-12-11T00:00:00Z","goVersion":"go1.23.3","compiler":"gc",
        "platform":"linux/amd64"}
        """;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Seen> _seen = new();
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private volatile X509Certificate2? _serverCert;
    private volatile X509Certificate2Collection? _clientCas;
    private Task? _acceptLoop;

    /// <summary>Binds now (so the port is known before the kubeconfigs that name it are written); serves after <see
    /// cref="Start"/>.</summary>
    public TestApiEndpoint(IPAddress address)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    public IReadOnlyList<Seen> Requests => _seen.ToArray();

    /// <summary>Reasons of refused TLS handshakes (client cert missing or not from the trusted CA), in order.</summary>
    public IReadOnlyList<string> Refusals => _refused.ToArray();

    /// <summary>Serves the cert and key; client certs must chain to one of the CAs in <paramref name="clientCaPath"/>
    /// (every certificate of the file is trusted, as kube-apiserver's --client-ca-file does with a bundle).</summary>
    public void Start(string servingCertPath, string servingKeyPath, string clientCaPath)
    {
        Load(servingCertPath, servingKeyPath, clientCaPath);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>What restarting kube-apiserver does to its TLS front door: the files are read again, and every new
    /// connection is served and judged with them.</summary>
    public void Restart(string servingCertPath, string servingKeyPath, string clientCaPath) =>
        Load(servingCertPath, servingKeyPath, clientCaPath);

    private void Load(string servingCertPath, string servingKeyPath, string clientCaPath)
    {
        var pem = X509Certificate2.CreateFromPemFile(servingCertPath, servingKeyPath);
        // Re-import as PKCS#12 so the private key is usable by the TLS stack on every platform.
        _serverCert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var cas = new X509Certificate2Collection();
        cas.ImportFromPemFile(clientCaPath);
        _clientCas = cas;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            var task = ServeAsync(client);
            _connections[task] = 0;
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        string? refusal = null;
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = _serverCert,
                    ClientCertificateRequired = true,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = (_, cert, _, _) => (refusal = CheckClient(cert)) is null,
                },
                timeout.Token
            );
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            _refused.Enqueue(refusal ?? $"handshake failed: {e.Message}");
            return;
        }
        using var peer = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
        var (cn, orgs) = Identity(peer);
        try
        {
            using var reader = new StreamReader(tls, Encoding.ASCII, false, 4096, leaveOpen: true);
            while (!timeout.IsCancellationRequested)
            {
                var requestLine = await reader.ReadLineAsync(timeout.Token);
                if (string.IsNullOrEmpty(requestLine))
                {
                    return;
                }
                string? header;
                while (!string.IsNullOrEmpty(header = await reader.ReadLineAsync(timeout.Token))) { }
                var parts = requestLine.Split(' ');
                var method = parts[0];
                var path = parts.Length > 1 ? parts[1].Split('?')[0] : "";
                _seen.Enqueue(new Seen(method, path, cn, orgs));
                var (status, type, body) = (method, path.Length > 1 ? path.TrimEnd('/') : path) switch
                {
                    ("GET", "/version") => ("200 OK", "application/json", VersionJson),
                    ("GET", "/healthz") => ("200 OK", "text/plain; charset=utf-8", "ok"),
                    _ => (
                        "404 Not Found",
                        "application/json",
                        """
                        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                        "message":"not found","reason":"NotFound","code":404}
                        """
                    ),
                };
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
                await tls.WriteAsync(bytes, timeout.Token);
                await tls.FlushAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    /// <summary>Null when the client certificate chains to the trusted CA and allows clientAuth; else the
    /// reason.</summary>
    private string? CheckClient(X509Certificate? presented)
    {
        if (presented is null)
        {
            return "client didn't provide a certificate";
        }
        using var cert = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthOid));
        if (chain.Build(cert))
        {
            return null;
        }
        var (cn, _) = Identity(cert);
        return $"client certificate CN={cn} refused: "
            + string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
    }

    public static (string CommonName, IReadOnlyList<string> Organizations) Identity(X509Certificate2 cert)
    {
        string cn = "";
        var orgs = new List<string>();
        foreach (var rdn in cert.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            switch (rdn.GetSingleElementType().Value)
            {
                case "2.5.4.3":
                    cn = rdn.GetSingleElementValue() ?? "";
                    break;
                case "2.5.4.10":
                    orgs.Add(rdn.GetSingleElementValue() ?? "");
                    break;
            }
        }
        return (cn, orgs);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        await Task.WhenAll(_connections.Keys)
            .WaitAsync(TimeSpan.FromSeconds(10))
            .ContinueWith(_ => { }, TaskScheduler.Default);
        _serverCert?.Dispose();
        _stop.Dispose();
    }
}
