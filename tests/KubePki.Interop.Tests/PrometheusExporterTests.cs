using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>A real Prometheus (Debian's package) scrapes <c>kubepki exporter</c> every second and evaluates
/// deploy/exporter/alert-rules.yml every second. Started once for the class; the exporter runs in-process on a free
/// loopback port over a kubepki-made cluster tree plus a short-lived certificate.</summary>
public sealed class PrometheusExporterTests(PrometheusExporterTests.Stack stack)
    : IClassFixture<PrometheusExporterTests.Stack>
{
    [Fact]
    public async Task Prometheus_scrapes_the_x509_and_kubeadm_series()
    {
        var up = await stack.WaitForAsync("up{job=\"kubepki\"} == 1", r => r.Count == 1);
        Assert.Single(up);
        var certificates = await stack.WaitForAsync("x509_cert_not_after", r => r.Count > 0);
        // 10 cert dir files, 5 kubeconfigs × 2, and the short-lived certificate in --watch-dir.
        Assert.Equal(21, certificates.Count);
        Assert.Contains(
            certificates,
            s => s.Labels.GetValueOrDefault("filename") == "apiserver.crt" && s.Labels["subject_CN"] == "kube-apiserver"
        );
        Assert.Contains(
            certificates,
            s => s.Labels.GetValueOrDefault("embedded_kind") == "user" && s.Labels["filename"] == "admin.conf"
        );
        var rows = await stack.WaitForAsync("kubepki_cert_not_after", r => r.Count > 0);
        Assert.Equal(
            [
                "admin.conf",
                "apiserver",
                "apiserver-etcd-client",
                "apiserver-kubelet-client",
                "ca",
                "controller-manager.conf",
                "etcd-ca",
                "etcd-healthcheck-client",
                "etcd-peer",
                "etcd-server",
                "front-proxy-ca",
                "front-proxy-client",
                "scheduler.conf",
                "super-admin.conf",
            ],
            rows.Select(r => r.Labels["name"]).Order(StringComparer.Ordinal)
        );
        Assert.Equal(0, (await stack.WaitForAsync("x509_read_errors", r => r.Count == 1)).Single().Value);
    }

    [Fact]
    public async Task The_days_left_alert_fires_for_the_short_lived_certificate_only()
    {
        var firing = await stack.WaitForAlertsAsync(a =>
            a.Any(x => x.Name == "CertificateExpiration" && x.State == "firing")
        );
        var expiring = firing.Where(a => a.Name == "CertificateExpiration").ToList();
        Assert.Equal([stack.ShortLived], expiring.Select(a => a.Labels["filepath"]));
        Assert.Equal("firing", expiring.Single().State);
        Assert.DoesNotContain(firing, a => a.Name == "KubeadmCertificateExpiration");
        // The same rule over the live series, asked directly: only the short-lived certificate has < 14 days.
        var result = await stack.QueryAsync("((x509_cert_not_after - time()) / 86400) < 14");
        Assert.Equal([stack.ShortLived], result.Select(r => r.Labels["filepath"]));
    }

    [Fact]
    public async Task Renewing_a_certificate_changes_the_scraped_value_without_restarting_the_exporter()
    {
        const string query = "kubepki_cert_not_after{name=\"apiserver\"}";
        var before = (await stack.WaitForAsync(query, r => r.Count == 1)).Single().Value;
        Kubepki.Run(
            Kubepki.FixedClock(DateTimeOffset.UtcNow.AddDays(10)),
            "certs",
            "renew",
            "apiserver",
            "--cert-dir",
            stack.CertDir,
            "--kubeconfig-dir",
            stack.Root
        );

        var after = (await stack.WaitForAsync(query, r => r.Count == 1 && r[0].Value != before)).Single().Value;
        var tenDays = TimeSpan.FromDays(10).TotalSeconds;
        Assert.InRange(after - before, tenDays - 60, tenDays + 60);
        Assert.True(stack.ExporterRunning, "the exporter that was started once is still the one running");
    }

    public sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Alert(string Name, string State, IReadOnlyDictionary<string, string> Labels);

    [Fact]
    public async Task Half_sent_requests_held_open_from_another_address_fail_no_scrape()
    {
        await stack.WaitForAsync("up{job=\"kubepki\"} == 1", r => r.Count == 1);
        var flood = new List<Socket>();
        try
        {
            for (var i = 0; i < 500; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                flood.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
                await socket.ConnectAsync(IPAddress.Loopback, stack.ExporterPort);
                await socket.SendAsync("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"u8.ToArray());
            }
            var flooded = DateTime.UtcNow;
            // Only scrapes made while the flood is held count: each query's window reaches back to it and no further.
            async Task<double?> SinceFloodAsync(string function)
            {
                var window = (long)(DateTime.UtcNow - flooded).TotalMilliseconds;
                var result = await stack.QueryAsync($"{function}(up{{job=\"kubepki\"}}[{Math.Max(1, window)}ms])");
                return result.Count == 1 ? result[0].Value : null;
            }

            // Prometheus (from 127.0.0.1, once a second) scraped three times while the flood held its share, however
            // long that took on this machine, and was answered every time (a failed scrape records up 0).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await SinceFloodAsync("count_over_time") ?? 0) < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, "Prometheus made fewer than 3 scrapes in 60 s");
                await Task.Delay(250);
            }
            Assert.Equal(1, await SinceFloodAsync("min_over_time"));
        }
        finally
        {
            flood.ForEach(s => s.Dispose());
        }
    }

    /// <summary>The cluster tree, the exporter (in-process) and Prometheus (a child process), for the whole
    /// class.</summary>
    public sealed class Stack : IAsyncLifetime
    {
        private readonly TempDir _dir = new("kubepki-prometheus");
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private Task<int>? _exporter;
        private PrometheusServer? _prometheus;
        private string _api = "";

        public string Root => _dir.Path;

        public string CertDir => _dir.Combine("pki");

        public string ShortLived => _dir.Combine("watched", "short-lived.pem");

        public bool ExporterRunning => _exporter is { IsCompleted: false };

        public int ExporterPort { get; private set; }

        public async Task InitializeAsync()
        {
            var now = Kubepki.NowClock();
            Kubepki.InitPhases(now, CertDir, Root, "--apiserver-advertise-address", "10.0.0.10");
            Directory.CreateDirectory(_dir.Combine("watched"));
            using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                var request = new CertificateRequest("CN=short-lived", key, HashAlgorithmName.SHA256);
                var start = DateTimeOffset.UtcNow;
                using var certificate = request.CreateSelfSigned(start.AddDays(-1), start.AddDays(3));
                File.WriteAllText(ShortLived, certificate.ExportCertificatePem() + "\n");
            }

            var exporterPort = FreePort.On("127.0.0.1");
            ExporterPort = exporterPort;
            var output = new StringWriter();
            var writer = TextWriter.Synchronized(output);
            var env = new CliEnvironment(writer, writer, TimeProvider.System, FixtureKeys.Shared);
            string[] args =
            [
                "exporter",
                "--listen",
                $"127.0.0.1:{exporterPort}",
                "--cert-dir",
                CertDir,
                "--kubeconfig-dir",
                Root,
                "--watch-dir",
                _dir.Combine("watched"),
            ];
            var invocation = new System.CommandLine.InvocationConfiguration { Output = env.Out, Error = env.Error };
            _exporter = Task.Run(() => KubePkiCli.Create(env).Parse(args).InvokeAsync(invocation, _stop.Token));

            var prometheusPort = FreePort.On("127.0.0.1");
            var rules = RepositoryFile("deploy", "exporter", "alert-rules.yml");
            File.WriteAllText(
                _dir.Combine("prometheus.yml"),
                $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: ["{rules}"]
                scrape_configs:
                - job_name: kubepki
                  static_configs:
                  - targets: ["127.0.0.1:{exporterPort}"]
                """
            );
            _prometheus = await PrometheusServer.StartAsync(
                _dir.Combine("prometheus.yml"),
                _dir.Combine("tsdb"),
                prometheusPort,
                _http
            );
            _api = _prometheus.Api;
        }

        public async Task<IReadOnlyList<Sample>> QueryAsync(string promql)
        {
            var url = $"{_api}/api/v1/query?query={Uri.EscapeDataString(promql)}";
            using var document = JsonDocument.Parse(await _http.GetStringAsync(url));
            var results = document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray();
            return results
                .Select(r => new Sample(
                    r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                    double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
                ))
                .ToList();
        }

        public async Task<IReadOnlyList<Sample>> WaitForAsync(string promql, Func<IReadOnlyList<Sample>, bool> done)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var result = await QueryAsync(promql);
                if (done(result))
                {
                    return result;
                }
                Assert.True(DateTime.UtcNow < deadline, $"{promql}: gave {result.Count} series, not what was awaited");
                await Task.Delay(250);
            }
        }

        public async Task<IReadOnlyList<Alert>> WaitForAlertsAsync(Func<IReadOnlyList<Alert>, bool> done)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                using var document = JsonDocument.Parse(await _http.GetStringAsync($"{_api}/api/v1/alerts"));
                var alerts = document
                    .RootElement.GetProperty("data")
                    .GetProperty("alerts")
                    .EnumerateArray()
                    .Select(a =>
                    {
                        var labels = a.GetProperty("labels")
                            .EnumerateObject()
                            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
                        return new Alert(labels["alertname"], a.GetProperty("state").GetString()!, labels);
                    })
                    .ToList();
                if (done(alerts))
                {
                    return alerts;
                }
                Assert.True(DateTime.UtcNow < deadline, "the awaited alerts did not fire");
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
            _dir.Dispose();
        }

        private static string RepositoryFile(params string[] parts)
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine([d.FullName, .. parts]);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException(Path.Combine(parts));
        }
    }
}
