using System.Globalization;
using System.Text.Json;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>A real Prometheus scrapes <c>kubepki exporter --web.config.file</c> over HTTPS with basic auth, as its
/// scrape config's tls_config and basic_auth say; the same target scraped with a wrong password or over plain HTTP is
/// down. The serving certificate comes from openssl, the bcrypt hash from the system's crypt(3).</summary>
public sealed class PrometheusExporterTlsTests : IAsyncLifetime
{
    // crypt("s3cret", "$2b$10$kubepkiwebconfigtest0u") from libxcrypt: cost 10, as htpasswd -B makes by default.
    private const string Hash = "$2b$10$kubepkiwebconfigtest0uOvkkuTp1ucROsBOas2ZKU/QQZVYxlHG";

    private readonly TempDir _dir = new("kubepki-prometheus-tls");
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Task<int>? _exporter;
    private PrometheusServer? _prometheus;
    private readonly StringWriter _exporterOutput = new();
    private string _api = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir.Combine("watched"));
        ExternalTool.OpensslSelfSigned(
            _dir.Combine("server.key"),
            _dir.Combine("server.crt"),
            "kubepki-exporter",
            days: 2,
            "DNS:localhost"
        );
        File.Copy(_dir.Combine("server.crt"), _dir.Combine("watched", "server.crt"));
        File.WriteAllText(
            _dir.Combine("web.yml"),
            $"""
            tls_server_config:
              cert_file: {_dir.Combine("server.crt")}
              key_file: {_dir.Combine("server.key")}
            basic_auth_users:
              prometheus: {Hash}
            """
        );

        var exporterPort = FreePort.On("127.0.0.1");
        var writer = TextWriter.Synchronized(_exporterOutput);
        var env = new CliEnvironment(writer, writer, TimeProvider.System, FixtureKeys.Shared);
        string[] args =
        [
            "exporter",
            "--listen-address",
            $"127.0.0.1:{exporterPort}",
            "--watch-dir",
            _dir.Combine("watched"),
            "--web.config.file",
            _dir.Combine("web.yml"),
        ];
        var invocation = new System.CommandLine.InvocationConfiguration { Output = env.Out, Error = env.Error };
        _exporter = Task.Run(() => KubePkiCli.Create(env).Parse(args).InvokeAsync(invocation, _stop.Token));

        string Job(string name, string scheme, string? password) =>
            $"""
                - job_name: {name}
                  scheme: {scheme}
                  tls_config:
                    ca_file: {_dir.Combine("server.crt")}
                    server_name: localhost
                {(
                    password is null ? "" : $"  basic_auth:\n    username: prometheus\n    password: {password}\n"
                )}  static_configs:
                  - targets: ["127.0.0.1:{exporterPort}"]

                """;
        File.WriteAllText(
            _dir.Combine("prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                + Job("tls", "https", "s3cret")
                + Job("wrong-password", "https", "guess")
                + Job("no-password", "https", null)
                + Job("plain", "http", "s3cret")
        );
        var prometheusPort = FreePort.On("127.0.0.1");
        _prometheus = await PrometheusServer.StartAsync(
            _dir.Combine("prometheus.yml"),
            _dir.Combine("tsdb"),
            prometheusPort,
            _http
        );
        _api = _prometheus.Api;
    }

    [Fact]
    public async Task Prometheus_scrapes_over_tls_with_basic_auth_and_the_wrong_password_or_plain_http_is_down()
    {
        var up = await WaitForAsync("up", r => r.Count == 4);
        Assert.Equal(1, up["tls"]);
        Assert.Equal(0, up["wrong-password"]);
        Assert.Equal(0, up["no-password"]);
        Assert.Equal(0, up["plain"]);
        var certificates = await WaitForAsync("count by (job) (x509_cert_not_after)", r => r.Count > 0);
        Assert.Equal(["tls"], certificates.Keys);
        Assert.Contains("over TLS", _exporterOutput.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The query's series by job label, once <paramref name="done"/> holds (60 s at most).</summary>
    private async Task<Dictionary<string, double>> WaitForAsync(
        string promql,
        Func<Dictionary<string, double>, bool> done
    )
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var url = $"{_api}/api/v1/query?query={Uri.EscapeDataString(promql)}";
            using var document = JsonDocument.Parse(await _http.GetStringAsync(url));
            var result = document
                .RootElement.GetProperty("data")
                .GetProperty("result")
                .EnumerateArray()
                .ToDictionary(
                    r => r.GetProperty("metric").GetProperty("job").GetString()!,
                    r => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
                );
            if (done(result))
            {
                return result;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{promql}: gave {result.Count} series, not what was awaited");
            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
        await _stop.CancelAsync();
        if (_exporter is not null)
        {
            await _exporter;
        }
        _http.Dispose();
        _exporterOutput.Dispose();
        _dir.Dispose();
    }
}
