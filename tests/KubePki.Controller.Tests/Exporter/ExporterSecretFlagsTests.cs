using System.Globalization;
using System.Net;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Exporter;

/// <summary><c>kubepki exporter</c> with x509-certificate-exporter's Secret flags against the test API server:
/// --secret-type picks types and keys, the namespace and label filters pick Secrets as upstream's
/// filterObjects/listNamespacesToWatch do (internal/kubernetes.go, v3.21.0), a key without a certificate is
/// x509_cert_error 1, and a failed list counts in x509_read_errors. Expectations are written from that
/// source.</summary>
public class ExporterSecretFlagsTests
{
    private static readonly Dictionary<string, string> Tier = new() { ["tier"] = "front" };

    [Fact]
    public async Task Secret_type_and_namespace_and_label_filters_select_as_upstream()
    {
        await using var cluster = await TestCluster.StartAsync();
        var pem = await File.ReadAllBytesAsync(cluster.CaCertFile);
        var store = cluster.Server.Store;
        store.AddNamespace("web", new Dictionary<string, string> { ["team"] = "a" });
        store.AddNamespace("dev", new Dictionary<string, string> { ["team"] = "b", ["env"] = "dev" });
        store.AddNamespace("ops");
        store.AddNamespace("kube-system", new Dictionary<string, string> { ["team"] = "core" });
        var tls = "kubernetes.io/tls";
        store.AddSecret("web", "site", tls, Data(("tls.crt", pem), ("tls.key", [1]), ("ca.crt", pem)), Tier);
        store.AddSecret("web", "bundle", "Opaque", Data(("ca.pem", pem), ("notes.txt", pem)), Tier);
        store.AddSecret("web", "broken", tls, Data(("tls.crt", "garbage"u8.ToArray())), Tier);
        store.AddSecret("web", "empty", tls, Data(("tls.crt", [])), Tier);
        store.AddSecret(
            "web",
            "skipped",
            tls,
            Data(("tls.crt", pem)),
            new Dictionary<string, string> { ["tier"] = "front", ["skip"] = "" }
        );
        store.AddSecret("web", "untiered", tls, Data(("tls.crt", pem)));
        store.AddSecret("web", "token", "kubernetes.io/service-account-token", Data(("ca.crt", pem)), Tier);
        store.AddSecret("dev", "dev", tls, Data(("tls.crt", pem)), Tier);
        store.AddSecret("ops", "ops", tls, Data(("tls.crt", pem)), Tier);
        store.AddSecret("kube-system", "system", tls, Data(("tls.crt", pem)), Tier);
        var port = FreePort.On("127.0.0.1");
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(
            [
                "exporter",
                "-b",
                $"127.0.0.1:{port}",
                "--watch-kube-secrets",
                "--kubeconfig",
                cluster.AdminConf,
                "-s",
                "kubernetes.io/tls:tls.crt",
                "--secret-type=Opaque:^ca\\.",
                "--include-namespace-label",
                "team",
                "--exclude-namespace-label=env=dev",
                "--exclude-namespace",
                "kube-system",
                "--include-label",
                "tier",
                "--exclude-label",
                "skip",
                "--expose-per-cert-error-metrics",
            ],
            stop.Token
        );
        try
        {
            var serial = new BigInteger(
                X509CertificateLoader.LoadCertificate(pem).SerialNumberBytes.Span,
                isUnsigned: true,
                isBigEndian: true
            ).ToString(CultureInfo.InvariantCulture);
            string Series(string name, string key) =>
                "{issuer_CN=\"kubernetes\",secret_key=\""
                + key
                + "\",secret_name=\""
                + name
                + "\",secret_namespace=\"web\",serial_number=\""
                + serial
                + "\",subject_CN=\"kubernetes\"}";
            string Ref(string name, string key) =>
                "{secret_key=\"" + key + "\",secret_name=\"" + name + "\",secret_namespace=\"web\"}";

            var text = await ScrapeUntilAsync(port, run, t => Samples(t, "x509_cert_not_after").Count == 2);
            Assert.Equal(
                [Series("bundle", "ca.pem"), Series("site", "tls.crt")],
                Samples(text, "x509_cert_not_after").Keys.Order(StringComparer.Ordinal)
            );
            Assert.Equal(
                new Dictionary<string, double>
                {
                    [Ref("bundle", "ca.pem")] = 0,
                    [Ref("broken", "tls.crt")] = 1,
                    [Ref("site", "tls.crt")] = 0,
                },
                Samples(text, "x509_cert_error")
            );
            Assert.Equal(1, Samples(text, "x509_read_errors")[""]);
            AssertPromtoolAccepts(text);

            // The watch brings a new Secret at the next scrapes; relabelling a namespace drops its Secrets.
            store.AddSecret("web", "later", tls, Data(("tls.crt", pem)), Tier);
            await ScrapeUntilAsync(
                port,
                run,
                t => Samples(t, "x509_cert_not_after").ContainsKey(Series("later", "tls.crt"))
            );
            var web = store.Namespaces.Get(null, "web")!;
            web.Metadata.Labels["env"] = "dev";
            store.Namespaces.Update(null, "web", web, (_, sent) => sent);
            await ScrapeUntilAsync(port, run, t => Samples(t, "x509_cert_not_after").Count == 0);
        }
        finally
        {
            await stop.CancelAsync();
            var result = await run;
            Assert.True(result.ExitCode == 0, result.All);
        }
    }

    [Fact]
    public async Task A_failing_list_of_secrets_is_a_read_error_and_the_scrape_still_answers()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Faults.FailNext((m, p) => m == "GET" && p == "/api/v1/secrets", 500, 100_000);
        var port = FreePort.On("127.0.0.1");
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(
            [
                "exporter",
                "--listen-address",
                $"127.0.0.1:{port}",
                "--watch-kube-secrets",
                "--kubeconfig",
                cluster.AdminConf,
                "-s",
                "kubernetes.io/tls:tls.crt",
            ],
            stop.Token
        );
        try
        {
            var text = await ScrapeUntilAsync(port, run, t => Samples(t, "x509_read_errors")[""] == 1);
            Assert.Empty(Samples(text, "x509_cert_not_after"));
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    private static Dictionary<string, byte[]> Data(params (string Key, byte[] Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    private static async Task<string> ScrapeUntilAsync(int port, Task<CliRunner.Result> run, Func<string, bool> done)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = "";
        while (true)
        {
            Assert.False(run.IsCompleted, run.IsCompleted ? (await run).All : "");
            try
            {
                var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    last = await response.Content.ReadAsStringAsync();
                    if (done(last))
                    {
                        return last;
                    }
                }
            }
            catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "the awaited series did not come; last scrape:\n" + last);
            await Task.Delay(100);
        }
    }

    /// <summary>{labels} → value for every sample of <paramref name="metric"/>.</summary>
    private static Dictionary<string, double> Samples(string text, string metric) =>
        text.Split('\n')
            .Where(l =>
                l.StartsWith(metric + "{", StringComparison.Ordinal)
                || l.StartsWith(metric + " ", StringComparison.Ordinal)
            )
            .ToDictionary(
                l => l[metric.Length..l.LastIndexOf(' ')],
                l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)
            );

    private static void AssertPromtoolAccepts(string text)
    {
        using var dir = new TempDir("promtool");
        File.WriteAllText(dir.Combine("metrics.txt"), text);
        var result = ExternalTool.Run("sh", ["-c", "promtool check metrics < metrics.txt"], dir.Path);
        Assert.True(result.ExitCode == 0 && result.All.Trim().Length == 0, result.All);
    }
}
