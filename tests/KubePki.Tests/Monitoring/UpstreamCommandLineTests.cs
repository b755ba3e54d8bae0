using System.Globalization;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using KubePki.TestKit;

namespace KubePki.Tests.Monitoring;

/// <summary><c>kubepki exporter</c> started with x509-certificate-exporter's own command line, as its v3.21.0 Helm
/// chart renders it for a hostPathsExporter DaemonSet (templates/daemonset.yaml: every host path mounted under
/// /mnt/watch/&lt;kind&gt;-&lt;sha1 of the path&gt;, --trim-path-components=3), over a real kubeadm tree with a
/// corrupt certificate, a key-only file, a missing --watch-file path and a kubeconfig whose client certificate file
/// is absent. The expected series are derived here from upstream's source (internal/exporter.go, collector.go,
/// certificate.go) and from openssl's reading of each certificate, never from kubepki's output.</summary>
public class UpstreamCommandLineTests
{
    /// <summary>The host tree under a prefix, as the chart mounts it, and the chart's arguments.</summary>
    private sealed class ChartMounts : IDisposable
    {
        private readonly TempDir _root = new("x509-chart");
        private readonly TempDir _host = KubeadmFixtures.Copy(KubeadmFixtures.V129);

        public ChartMounts()
        {
            var tree = _host;
            var pki = Path.Combine(tree.Path, "pki");
            // A certificate whose DER is damaged, and a file holding only a key, where a glob and -f find them.
            var der = Convert.FromBase64String(Body(File.ReadAllText(Path.Combine(pki, "apiserver.crt"))));
            // Cut short: the outer SEQUENCE claims more bytes than there are (Go: "asn1: syntax error").
            File.WriteAllText(Path.Combine(pki, "corrupt.crt"), Pem(der[..^40]));
            Host = tree.Path;
            foreach (var (kind, hostPath) in Mounts)
            {
                // The chart mounts the file's directory (a dir itself for watchDirectories) read-only at the prefix.
                var mountedDir = kind == "dir" ? hostPath : Path.GetDirectoryName(hostPath)!;
                CopyTree(Path.Combine(tree.Path, Relative(mountedDir)), Mounted(kind, hostPath, mountedDir));
            }
        }

        /// <summary>Copied from the fixture tree; mounted copies are made in the constructor.</summary>
        public string Host { get; }

        public string Root => _root.Path;

        /// <summary>The chart's path elements before the host path (/mnt/watch/file-…) plus those of the temp
        /// dir standing for "/".</summary>
        public int Trim => 3 + Root.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;

        public static readonly (string Kind, string HostPath)[] Mounts =
        [
            ("dir", "/etc/kubernetes/pki/etcd"),
            ("file", "/etc/kubernetes/pki/*.crt"),
            ("file", "/etc/kubernetes/pki/front-proxy-client.key"),
            ("file", "/etc/kubernetes/pki/absent.crt"),
            ("kube", "/etc/kubernetes/admin.conf"),
            ("kube", "/etc/kubernetes/kubelet.conf"),
        ];

        /// <summary>The args of the chart's container, values: exposeRelativeMetrics and
        /// exposePerCertificateErrorMetrics true, secretsExporter.cache at its default (300 s).</summary>
        public string[] ChartArgs(int port) =>
            [
                "--expose-relative-metrics",
                $"--listen-address=127.0.0.1:{port}",
                $"--trim-path-components={Trim}",
                .. Mounts.Where(m => m.Kind == "dir").Select(m => $"--watch-dir={Root}{Prefix(m)}/{m.HostPath}"),
                .. Mounts.Where(m => m.Kind == "file").Select(m => $"--watch-file={Root}{Prefix(m)}{m.HostPath}"),
                .. Mounts.Where(m => m.Kind == "kube").Select(m => $"--watch-kubeconf={Root}{Prefix(m)}{m.HostPath}"),
                "--max-cache-duration=300s",
                "--expose-per-cert-error-metrics",
            ];

        public string MountOf(string kind, string hostPath) =>
            Root + Prefix((kind, hostPath)) + (kind == "dir" ? "/" : "") + hostPath;

        private string Mounted(string kind, string hostPath, string mountedDir) =>
            Root + Prefix((kind, hostPath)) + mountedDir;

        private static string Prefix((string Kind, string HostPath) mount) =>
            $"/mnt/watch/{mount.Kind}-{Sha1(mount.HostPath)}";

        private static string Sha1(string text) =>
            Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));

        private static string Relative(string hostPath) => hostPath["/etc/kubernetes".Length..].TrimStart('/');

        private static void CopyTree(string from, string to)
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(to, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }

        public void Dispose()
        {
            _root.Dispose();
            _host.Dispose();
        }
    }

    [Fact]
    public async Task The_charts_host_paths_command_line_gives_upstreams_series_errors_and_values()
    {
        using var mounts = new ChartMounts();
        var port = FreePort.On("127.0.0.1");
        var (text, now) = await ScrapeAsync(mounts.ChartArgs(port), port);

        ExporterTests.AssertPromtoolAccepts(text);
        var expected = Expected(mounts, now);
        var actual = Parse(text);
        Assert.Equal(
            [
                "x509_cert_error",
                "x509_cert_expired",
                "x509_cert_expires_in_seconds",
                "x509_cert_not_after",
                "x509_cert_not_before",
                "x509_cert_valid_since_seconds",
                "x509_exporter_build_info",
                "x509_read_errors",
            ],
            actual.Select(s => s.Metric).Distinct().Order(StringComparer.Ordinal)
        );
        foreach (var metric in new[] { "x509_cert_not_before", "x509_cert_not_after", "x509_cert_expired" })
        {
            Assert.Equal(
                expected.Where(s => s.Metric == metric).Select(s => s.Key).Order(StringComparer.Ordinal),
                actual.Where(s => s.Metric == metric).Select(s => s.Key).Order(StringComparer.Ordinal)
            );
        }
        foreach (var metric in new[] { "x509_cert_expires_in_seconds", "x509_cert_valid_since_seconds" })
        {
            var got = actual.Where(s => s.Metric == metric).ToDictionary(s => s.Labels, s => s.Value);
            var want = expected.Where(s => s.Metric == metric).ToList();
            Assert.Equal(want.Select(s => s.Labels).Order(), got.Keys.Order());
            Assert.All(want, w => Assert.InRange(got[w.Labels], w.Value - 120, w.Value + 120));
        }
        Assert.Equal(
            expected.Where(s => s.Metric == "x509_cert_error").Select(s => s.Key).Order(StringComparer.Ordinal),
            actual.Where(s => s.Metric == "x509_cert_error").Select(s => s.Key).Order(StringComparer.Ordinal)
        );
        // corrupt.crt, front-proxy-client.key, absent.crt (no match), etcd's 4 keys, kubelet.conf (its client
        // certificate file is not there).
        Assert.Equal("x509_read_errors 8", actual.Single(s => s.Metric == "x509_read_errors").Key);
    }

    [Fact]
    public async Task Short_forms_and_expose_labels_work_and_a_glob_picks_up_a_new_file_at_the_next_scrape()
    {
        using var mounts = new ChartMounts();
        var port = FreePort.On("127.0.0.1");
        var glob = mounts.MountOf("file", "/etc/kubernetes/pki/*.crt");
        string[] args =
        [
            "exporter",
            "-b",
            $"127.0.0.1:{port}",
            "-f",
            glob,
            "-d",
            mounts.MountOf("dir", "/etc/kubernetes/pki/etcd"),
            "-k",
            mounts.MountOf("kube", "/etc/kubernetes/admin.conf"),
            "-l",
            "filepath,serial_number,subject_CN,embedded_kind",
            "--trim-path-components",
            mounts.Trim.ToString(CultureInfo.InvariantCulture),
        ];
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(args, stop.Token);
        try
        {
            var first = Parse(await MetricsAsync(port, run));
            var now = DateTimeOffset.UtcNow;
            var labelNames = new[] { "filepath", "serial_number", "subject_CN", "embedded_kind" };
            var want = Expected(mounts, now)
                .Where(s =>
                    s.Metric == "x509_cert_not_after"
                    && !s.Labels.Contains("front-proxy-client.key", StringComparison.Ordinal)
                    && !s.Labels.Contains("kubelet.conf", StringComparison.Ordinal)
                )
                .Select(s => Keep(s, labelNames).Key)
                .Order(StringComparer.Ordinal)
                .ToList();
            Assert.Equal(want, first.Where(s => s.Metric == "x509_cert_not_after").Select(s => s.Key).Order());
            Assert.DoesNotContain(first, s => s.Metric is "x509_cert_error" or "x509_cert_expires_in_seconds");
            // corrupt.crt and etcd's 4 keys.
            Assert.Equal("x509_read_errors 5", first.Single(s => s.Metric == "x509_read_errors").Key);

            var glued = Path.Combine(Path.GetDirectoryName(glob)!, "later.crt");
            File.Copy(Path.Combine(Path.GetDirectoryName(glob)!, "ca.crt"), glued);
            var second = Parse(await MetricsAsync(port, run));
            Assert.Contains(
                second,
                s => s.Metric == "x509_cert_not_after" && s.Labels.Contains("/later.crt\"", StringComparison.Ordinal)
            );
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Theory]
    [InlineData("--trim-path-components", "-1", "error: --trim-path-components: -1 is negative")]
    [InlineData("--max-cache-duration", "soon", "error: --max-cache-duration: \"soon\" is not a valid duration")]
    [InlineData("-s", "kubernetes.io/tls", "error: --secret-type: \"kubernetes.io/tls\" is not TYPE:KEY_REGEX")]
    [InlineData("-f", "/etc/[kubernetes", "error: --watch-file: \"/etc/[kubernetes\" is not a valid glob pattern")]
    [InlineData("--include-label", "app", "error: --include-label applies to --watch-kube-secrets")]
    public void Bad_upstream_flag_values_give_one_line_naming_the_flag_and_exit_1(
        string flag,
        string value,
        string start
    )
    {
        string[] secrets = flag is "-s" ? ["--watch-kube-secrets", "--kubeconfig", "/nonexistent"] : [];
        var result = CliRunner.Run(["exporter", "-f", "/nonexistent.crt", .. secrets, flag, value]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(start, result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Error.Count(c => c == '\n'));
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void Version_prints_the_version_on_stderr_and_exits_0_as_upstream()
    {
        var result = CliRunner.Run("exporter", "-v");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches("^version [0-9]", result.Error);
    }

    // ---- upstream's series, derived from its source -------------------------------------------------------------

    private sealed record Series(string Metric, string Labels, double Value)
    {
        public string Key => $"{Metric}{Labels} {Value.ToString(CultureInfo.InvariantCulture)}";
    }

    private sealed record Certificate(
        string Serial,
        long NotBefore,
        long NotAfter,
        IReadOnlyDictionary<string, string> Subject,
        IReadOnlyDictionary<string, string> Issuer
    );

    /// <summary>What upstream v3.21.0 serves for the chart's arguments over these mounts at <paramref name="now"/>:
    /// per certificate its base labels (filename = base name, filepath = trimComponents of the cleaned path),
    /// serial_number, issuer_/subject_ fields and, from a kubeconfig, embedded_kind/embedded_key; x509_cert_error 0
    /// per file with certificates and 1 per file that failed (a -f pattern matching nothing has no file).</summary>
    private static List<Series> Expected(ChartMounts mounts, DateTimeOffset now)
    {
        var series = new List<Series>();
        var pki = "/etc/kubernetes/pki";
        string[] globbed =
        [
            "apiserver-etcd-client.crt",
            "apiserver-kubelet-client.crt",
            "apiserver.crt",
            "ca.crt",
            "front-proxy-ca.crt",
            "front-proxy-client.crt",
        ];
        var good = new List<(string HostPath, string File, (string Kind, string Key)? Embedded)>();
        foreach (var name in globbed)
        {
            good.Add(($"{pki}/{name}", Path.Combine(mounts.Host, "pki", name), null));
        }
        foreach (var name in new[] { "ca.crt", "healthcheck-client.crt", "peer.crt", "server.crt" })
        {
            good.Add(($"{pki}/etcd/{name}", Path.Combine(mounts.Host, "pki", "etcd", name), null));
        }
        using var embedded = new TempDir("x509-embedded");
        var admin = File.ReadAllText(Path.Combine(mounts.Host, "admin.conf"));
        foreach (
            var (kind, key, field) in new[]
            {
                ("cluster", "kubernetes", "certificate-authority-data"),
                ("user", "kubernetes-admin", "client-certificate-data"),
            }
        )
        {
            var data = Regex.Match(admin, $"{field}: (\\S+)").Groups[1].Value;
            var file = embedded.Combine(kind + ".pem");
            File.WriteAllBytes(file, Convert.FromBase64String(data));
            good.Add(("/etc/kubernetes/admin.conf", file, (kind, key)));
        }
        foreach (var (hostPath, file, kubeconfig) in good)
        {
            var certificate = OpenSsl(file);
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["filename"] = hostPath[(hostPath.LastIndexOf('/') + 1)..],
                ["filepath"] = hostPath,
                ["serial_number"] = certificate.Serial,
            };
            foreach (var (name, value) in certificate.Subject)
            {
                labels["subject_" + name] = value;
            }
            foreach (var (name, value) in certificate.Issuer)
            {
                labels["issuer_" + name] = value;
            }
            if (kubeconfig is var (kind, key))
            {
                labels["embedded_kind"] = kind;
                labels["embedded_key"] = key;
            }
            var text = Text(labels);
            var seconds = now.ToUnixTimeSeconds();
            series.Add(new("x509_cert_not_before", text, certificate.NotBefore));
            series.Add(new("x509_cert_not_after", text, certificate.NotAfter));
            series.Add(new("x509_cert_expired", text, seconds > certificate.NotAfter ? 1 : 0));
            series.Add(new("x509_cert_expires_in_seconds", text, certificate.NotAfter - seconds));
            series.Add(new("x509_cert_valid_since_seconds", text, seconds - certificate.NotBefore));
        }
        var errorFiles = new[]
        {
            ($"{pki}/corrupt.crt", 1),
            ($"{pki}/front-proxy-client.key", 1),
            ($"{pki}/etcd/ca.key", 1),
            ($"{pki}/etcd/healthcheck-client.key", 1),
            ($"{pki}/etcd/peer.key", 1),
            ($"{pki}/etcd/server.key", 1),
            ("/etc/kubernetes/kubelet.conf", 1),
        };
        foreach (var (path, value) in good.Select(g => (g.HostPath, 0)).Distinct().Concat(errorFiles))
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["filename"] = path[(path.LastIndexOf('/') + 1)..],
                ["filepath"] = path,
            };
            series.Add(new("x509_cert_error", Text(labels), value));
        }
        return series;
    }

    /// <summary>openssl's reading of a certificate, mapped to Go's pkix.Name as upstream's fillLabelsFromName uses
    /// it: the first C, street address ("ST"), L, O and OU, the last CN.</summary>
    private static Certificate OpenSsl(string file)
    {
        var result = ExternalTool.Openssl(
            "x509",
            "-in",
            file,
            "-noout",
            "-serial",
            "-startdate",
            "-enddate",
            "-dateopt",
            "iso_8601",
            "-subject",
            "-issuer",
            "-nameopt",
            "multiline,sname,utf8,-esc_msb"
        );
        Assert.True(result.ExitCode == 0, result.All);
        var lines = result.Out.Split('\n');
        string Value(string prefix) =>
            lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];
        long Epoch(string prefix) =>
            DateTimeOffset
                .ParseExact(Value(prefix), "yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture)
                .ToUnixTimeSeconds();
        Dictionary<string, string> Name(string header)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in lines.SkipWhile(l => l != header).Skip(1).TakeWhile(l => l.StartsWith(' ')))
            {
                var (type, value) = (line[..line.IndexOf('=')].Trim(), line[(line.IndexOf('=') + 1)..].Trim());
                var label = type switch
                {
                    "street" => "ST",
                    "C" or "L" or "O" or "OU" or "CN" => type,
                    _ => null,
                };
                if (label is "CN")
                {
                    fields[label] = value;
                }
                else if (label is not null)
                {
                    fields.TryAdd(label, value);
                }
            }
            return fields;
        }
        var serial = BigInteger.Parse("0" + Value("serial="), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new Certificate(
            serial.ToString(CultureInfo.InvariantCulture),
            Epoch("notBefore="),
            Epoch("notAfter="),
            Name("subject="),
            Name("issuer=")
        );
    }

    private static string Text(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static Series Keep(Series series, string[] names)
    {
        var kept = Regex
            .Matches(series.Labels, "([a-zA-Z_]+)=\"([^\"]*)\"")
            .Where(m => names.Contains(m.Groups[1].Value))
            .Select(m => KeyValuePair.Create(m.Groups[1].Value, m.Groups[2].Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal);
        return series with { Labels = Text(kept) };
    }

    // ---- running and reading the exporter -----------------------------------------------------------------------

    private static async Task<(string Text, DateTimeOffset Now)> ScrapeAsync(string[] args, int port)
    {
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(["exporter", .. args], stop.Token);
        try
        {
            var text = await MetricsAsync(port, run);
            return (text, DateTimeOffset.UtcNow);
        }
        finally
        {
            await stop.CancelAsync();
            var result = await run;
            Assert.True(result.ExitCode == 0, result.All);
        }
    }

    private static async Task<string> MetricsAsync(int port, Task<CliRunner.Result> run)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.False(run.IsCompleted, run.IsCompleted ? (await run).All : "");
            try
            {
                var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "the exporter did not serve /metrics");
            await Task.Delay(100);
        }
    }

    /// <summary>Every sample: metric name, its labels sorted by name as Go's client writes them, and value.</summary>
    private static List<Series> Parse(string text) =>
        text.Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var space = l.LastIndexOf(' ');
                var brace = l.IndexOf('{');
                var metric = brace < 0 ? l[..space] : l[..brace];
                var labels = brace < 0 ? "" : l[brace..(l.LastIndexOf('}') + 1)];
                return new Series(metric, labels, double.Parse(l[(space + 1)..], CultureInfo.InvariantCulture));
            })
            .ToList();

    private static string Body(string pem) =>
        string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));

    private static string Pem(byte[] der) =>
        "-----BEGIN CERTIFICATE-----\n"
        + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r", "")
        + "\n-----END CERTIFICATE-----\n";
}
