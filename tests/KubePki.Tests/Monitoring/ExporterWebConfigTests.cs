using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubePki.TestKit;

namespace KubePki.Tests.Monitoring;

/// <summary><c>kubepki exporter --web.config.file</c> with exporter-toolkit's format: TLS from tls_server_config,
/// basic auth from basic_auth_users (bcrypt), headers from http_server_config. The serving certificate is made by
/// openssl and the password hashes by the system's crypt(3) (libxcrypt), so neither comes from kubepki.</summary>
public sealed class ExporterWebConfigTests : IDisposable
{
    // crypt("s3cret", "$2b$04$kubepkiwebconfigtest0u") from libxcrypt: a cost-4 bcrypt hash, fast to verify.
    internal const string Hash = "$2b$04$kubepkiwebconfigtest0uKyC.O.rmW.SF6s4CQm2uxBV75LgOtpW";

    private readonly TempDir _dir = new("kubepki-webconfig");

    public ExporterWebConfigTests()
    {
        Directory.CreateDirectory(_dir.Combine("tls"));
        Directory.CreateDirectory(_dir.Combine("watched"));
        ExternalTool.OpensslSelfSigned(
            _dir.Combine("tls", "server.key"),
            _dir.Combine("tls", "server.crt"),
            "kubepki-exporter",
            days: 2,
            "DNS:localhost,IP:127.0.0.1"
        );
        File.Copy(_dir.Combine("tls", "server.crt"), _dir.Combine("watched", "watched.crt"));
    }

    public void Dispose() => _dir.Dispose();

    private string WebConfig(string text)
    {
        var path = _dir.Combine("web.yml");
        File.WriteAllText(path, text);
        return path;
    }

    // Relative file names are relative to the config file's directory, as exporter-toolkit resolves them.
    private const string TlsAndAuth = $"""
        tls_server_config:
          cert_file: tls/server.crt
          key_file: tls/server.key
          min_version: TLS12
        basic_auth_users:
          prometheus: {Hash}
        http_server_config:
          headers:
            Strict-Transport-Security: max-age=31536000
        """;

    private async Task<T> WithExporterAsync<T>(string webConfig, Func<int, Task<T>> use)
    {
        var port = FreePort.On("127.0.0.1");
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(
            [
                "exporter",
                "-b",
                $"127.0.0.1:{port}",
                "-d",
                _dir.Combine("watched"),
                "--web.config.file",
                WebConfig(webConfig),
            ],
            stop.Token
        );
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await ListeningAsync(port)))
            {
                Assert.False(run.IsCompleted, run.IsCompleted ? (await run).All : "");
                Assert.True(DateTime.UtcNow < deadline, "the exporter did not listen");
                await Task.Delay(100);
            }
            return await use(port);
        }
        finally
        {
            await stop.CancelAsync();
            var result = await run;
            Assert.True(result.ExitCode == 0, result.All);
        }
    }

    private static async Task<bool> ListeningAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>An HttpClient that trusts only the serving certificate, presenting tls/<paramref name="client"/>.crt
    /// when given.</summary>
    private HttpClient Client(string? client = null)
    {
        var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.Combine("tls", "server.crt")));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        if (client is not null)
        {
            handler.ClientCertificates.Add(
                X509Certificate2.CreateFromPemFile(
                    _dir.Combine("tls", $"{client}.crt"),
                    _dir.Combine("tls", $"{client}.key")
                )
            );
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private static HttpRequestMessage Get(int port, string path, string? user, string? password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{port}{path}");
        if (user is not null)
        {
            request.Headers.Authorization = new(
                "Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))
            );
        }
        return request;
    }

    [Fact]
    public async Task Over_tls_the_right_password_gets_metrics_and_anything_else_gets_401_basic()
    {
        var answers = await WithExporterAsync(
            TlsAndAuth,
            async port =>
            {
                using var http = Client();
                var list =
                    new List<(string Case, HttpStatusCode Status, string? Challenge, string? Hsts, string Body)>();
                foreach (
                    var (name, path, user, password) in new (string, string, string?, string?)[]
                    {
                        ("none", "/metrics", null, null),
                        ("wrong", "/metrics", "prometheus", "s3cret!"),
                        ("unknown", "/metrics", "admin", "s3cret"),
                        ("healthz", "/healthz", null, null),
                        ("right", "/metrics", "prometheus", "s3cret"),
                        ("right again", "/metrics", "prometheus", "s3cret"),
                    }
                )
                {
                    using var response = await http.SendAsync(Get(port, path, user, password));
                    list.Add(
                        (
                            name,
                            response.StatusCode,
                            response.Headers.WwwAuthenticate.ToString(),
                            response.Headers.TryGetValues("Strict-Transport-Security", out var v) ? v.Single() : null,
                            await response.Content.ReadAsStringAsync()
                        )
                    );
                }
                return list;
            }
        );
        foreach (var refused in answers.Where(a => !a.Case.StartsWith("right", StringComparison.Ordinal)))
        {
            Assert.True(refused.Status == HttpStatusCode.Unauthorized, $"{refused.Case}: {refused.Status}");
            Assert.Equal("Basic", refused.Challenge);
            Assert.DoesNotContain("x509_cert_not_after", refused.Body, StringComparison.Ordinal);
        }
        foreach (var served in answers.Where(a => a.Case.StartsWith("right", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.OK, served.Status);
            Assert.Contains("x509_cert_not_after{", served.Body, StringComparison.Ordinal);
            Assert.Equal("max-age=31536000", served.Hsts);
        }
    }

    [Fact]
    public async Task Plain_http_to_the_tls_port_gets_no_http_answer()
    {
        var answer = await WithExporterAsync(
            TlsAndAuth,
            async port =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                await socket.SendAsync(
                    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"u8.ToArray(),
                    timeout.Token
                );
                var received = new MemoryStream();
                var buffer = new byte[4096];
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
                    {
                        received.Write(buffer, 0, n);
                    }
                }
                catch (SocketException) { } // reset by the server: also no answer
                return Encoding.Latin1.GetString(received.ToArray());
            }
        );
        Assert.DoesNotContain("x509_cert", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_s_client_sees_the_configured_certificate()
    {
        var served = await WithExporterAsync(
            TlsAndAuth,
            port =>
                Task.FromResult(
                    ExternalTool.Run(
                        "openssl",
                        ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", "-showcerts"],
                        timeout: TimeSpan.FromSeconds(30)
                    )
                )
        );
        var pem = served.Out[
            served.Out.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..(
                served.Out.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal)
                + "-----END CERTIFICATE-----".Length
            )
        ];
        var file = _dir.Combine("served.crt");
        File.WriteAllText(file, pem + "\n");
        Assert.Equal(
            ExternalTool.OpensslOk(
                "x509",
                "-in",
                _dir.Combine("tls", "server.crt"),
                "-noout",
                "-fingerprint",
                "-sha256"
            ),
            ExternalTool.OpensslOk("x509", "-in", file, "-noout", "-fingerprint", "-sha256")
        );
        // TLS 1.2 or 1.3, as min_version allows.
        Assert.Matches("New, TLSv1\\.[23]", served.Out);
    }

    private string Fingerprint(int port)
    {
        var served = ExternalTool.Run(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost"],
            timeout: TimeSpan.FromSeconds(30)
        );
        var begin = served.Out.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        var end = served.Out.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, served.All);
        var file = _dir.Combine($"served-{Guid.NewGuid():N}.crt");
        File.WriteAllText(file, served.Out[begin..(end + "-----END CERTIFICATE-----".Length)] + "\n");
        return ExternalTool.OpensslOk("x509", "-in", file, "-noout", "-fingerprint", "-sha256");
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_at_the_next_connection_without_a_restart()
    {
        var (before, after, renewed) = await WithExporterAsync(
            TlsAndAuth,
            port =>
            {
                var before = Fingerprint(port);
                // Renewed in place, as cert-manager or kubepki would: a new key and certificate under the same names.
                ExternalTool.OpensslSelfSigned(
                    _dir.Combine("tls", "server.key"),
                    _dir.Combine("tls", "server.crt"),
                    "kubepki-exporter-renewed",
                    days: 3
                );
                // A different modification time even on a coarse-grained file system.
                File.SetLastWriteTimeUtc(_dir.Combine("tls", "server.crt"), DateTime.UtcNow.AddSeconds(5));
                var renewed = ExternalTool.OpensslOk(
                    "x509",
                    "-in",
                    _dir.Combine("tls", "server.crt"),
                    "-noout",
                    "-fingerprint",
                    "-sha256"
                );
                return Task.FromResult((before, Fingerprint(port), renewed));
            }
        );
        Assert.NotEqual(before, after);
        Assert.Equal(renewed, after);
    }

    [Fact]
    public async Task RequireAndVerifyClientCert_serves_only_a_client_certificate_from_client_ca_file()
    {
        string Tls(string name) => _dir.Combine("tls", name);
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        ExternalTool.OpensslOk([
            "req",
            "-x509",
            .. ec,
            "-keyout",
            Tls("ca.key"),
            "-out",
            Tls("ca.crt"),
            "-days",
            "2",
            "-subj",
            "/CN=ca",
        ]);
        File.WriteAllText(Tls("client.ext"), "extendedKeyUsage=clientAuth\n");
        foreach (var (name, ca) in new[] { ("client", "ca"), ("stranger", "server") })
        {
            ExternalTool.OpensslOk([
                "req",
                .. ec,
                "-keyout",
                Tls($"{name}.key"),
                "-out",
                Tls($"{name}.csr"),
                "-subj",
                "/CN=prometheus",
            ]);
            ExternalTool.OpensslOk(
                "x509",
                "-req",
                "-in",
                Tls($"{name}.csr"),
                "-CA",
                Tls($"{ca}.crt"),
                "-CAkey",
                Tls($"{ca}.key"),
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                Tls("client.ext"),
                "-out",
                Tls($"{name}.crt")
            );
        }
        const string config = """
            tls_server_config:
              cert_file: tls/server.crt
              key_file: tls/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: tls/ca.crt
            """;
        var outcomes = await WithExporterAsync(
            config,
            async port =>
            {
                var list = new List<(string Client, HttpStatusCode? Status)>();
                foreach (var name in new[] { "client", "stranger", "none" })
                {
                    using var http = Client(name == "none" ? null : name);
                    try
                    {
                        using var response = await http.SendAsync(Get(port, "/metrics", null, null));
                        list.Add((name, response.StatusCode));
                    }
                    catch (HttpRequestException)
                    {
                        list.Add((name, null));
                    }
                }
                return list;
            }
        );
        Assert.Equal([("client", HttpStatusCode.OK), ("stranger", null), ("none", null)], outcomes);
    }

    [Theory]
    [InlineData(
        "missing cert",
        "tls_server_config:\n  cert_file: tls/absent.crt\n  key_file: tls/server.key\n",
        "absent.crt"
    )]
    [InlineData("no key", "tls_server_config:\n  cert_file: tls/server.crt\n", "missing key_file")]
    [InlineData("unknown field", "tls_server_config:\n  cert_file: tls/server.crt\n  keyfile: x\n", "field keyfile")]
    [InlineData("unknown top field", "basic_auth:\n  prometheus: x\n", "field basic_auth not found")]
    [InlineData("plain password", "basic_auth_users:\n  prometheus: s3cret\n", "\"prometheus\" is not a bcrypt hash")]
    [InlineData("bad client auth", "tls_server_config:\n  client_auth_type: Always\n", "invalid ClientAuth")]
    [InlineData("bad header", "http_server_config:\n  headers:\n    Set-Cookie: a=b\n", "header Set-Cookie")]
    [InlineData("not a mapping", "- tls_server_config\n", "not a mapping")]
    [InlineData("not YAML", "tls_server_config: [\n", "invalid YAML")]
    public void A_bad_web_config_file_gives_one_line_naming_the_file_and_exits_1_before_listening(
        string name,
        string text,
        string problem
    )
    {
        var port = FreePort.On("127.0.0.1");
        var path = WebConfig(text);
        var result = CliRunner.Run(["exporter", "-b", $"127.0.0.1:{port}", "-f", path, "--web.config.file", path]);
        Assert.True(result.ExitCode == 1, $"{name}: {result.All}");
        Assert.StartsWith($"error: {path}", result.Error, StringComparison.Ordinal);
        Assert.Contains(problem, result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Error.Count(c => c == '\n'));
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void A_missing_web_config_file_is_named()
    {
        var result = CliRunner.Run(["exporter", "-f", "/nonexistent.crt", "--web.config.file", _dir.Combine("no.yml")]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: {_dir.Combine("no.yml")}: cannot read", result.Error, StringComparison.Ordinal);
    }
}
