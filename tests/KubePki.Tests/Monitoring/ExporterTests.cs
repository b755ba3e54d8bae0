using System.Globalization;
using System.Text.RegularExpressions;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Monitoring;
using KubePki.Storage;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Monitoring;

/// <summary>The exporter's metrics over a kubepki-made cluster tree: x509-certificate-exporter's names and labels,
/// one kubepki_cert_not_after per check-expiration row, read errors that never stop a scrape, files re-read when
/// they change. promtool is the judge of the format.</summary>
public class ExporterTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Now = ClusterFixture.Start.AddDays(30);

    private static CertificateExporter Exporter(
        ExporterSources sources,
        bool relative = false,
        SecretCertificates? secrets = null
    ) =>
        new(
            sources.Create(new FileContentCache(), secrets),
            new ExporterOptions { ExposeRelativeMetrics = relative },
            new FakeTimeProvider(Now)
        );

    private static ExporterSources Kubeadm(TempDir dir, bool kubelet = false) =>
        new()
        {
            CertDir = dir.Combine("pki"),
            KubeconfigDir = dir.Path,
            KubeletDir = kubelet ? dir.Combine("kubelet") : null,
        };

    /// <summary>kubelet-client-current.pem (cert + key, as the kubelet writes it) and a self-signed
    /// kubelet.crt.</summary>
    internal static void AddKubeletCerts(TempDir dir)
    {
        Directory.CreateDirectory(dir.Combine("kubelet"));
        File.WriteAllText(
            dir.Combine("kubelet", "kubelet-client-current.pem"),
            File.ReadAllText(dir.Combine("pki", "apiserver-kubelet-client.crt"))
                + File.ReadAllText(dir.Combine("pki", "apiserver-kubelet-client.key"))
        );
        File.Copy(dir.Combine("pki", "front-proxy-ca.crt"), dir.Combine("kubelet", "kubelet.crt"));
    }

    /// <summary>{labels} → value for every sample of <paramref name="metric"/>.</summary>
    internal static Dictionary<string, double> Samples(string text, string metric) =>
        text.Split('\n')
            .Where(l =>
                l.StartsWith(metric + "{", StringComparison.Ordinal)
                || l.StartsWith(metric + " ", StringComparison.Ordinal)
            )
            .ToDictionary(
                l => l[metric.Length..l.LastIndexOf(' ')],
                l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)
            );

    internal static string Label(string series, string name) =>
        Regex.Match(series, $"[{{,]{name}=\"([^\"]*)\"").Groups[1].Value;

    internal static void AssertPromtoolAccepts(string text)
    {
        using var dir = new TempDir("promtool");
        File.WriteAllText(dir.Combine("metrics.txt"), text);
        var result = ExternalTool.Run("sh", ["-c", "promtool check metrics < metrics.txt"], dir.Path);
        Assert.True(result.ExitCode == 0 && result.All.Trim().Length == 0, result.All);
    }

    [Fact]
    public void A_full_kubeadm_tree_gives_every_check_expiration_row_and_promtool_accepts_the_output()
    {
        using var dir = cluster.Copy();
        AddKubeletCerts(dir);
        var text = Exporter(Kubeadm(dir, kubelet: true)).Render();

        AssertPromtoolAccepts(text);
        var report = ExpirationReport.Build(
            new ClusterConfig { CertificatesDir = dir.Combine("pki"), KubeconfigDir = dir.Path },
            new PkiDirectory(dir.Combine("pki"), DiskFileStore.Instance),
            Now,
            dir.Combine("kubelet")
        );
        var rows = Samples(text, "kubepki_cert_not_after").ToDictionary(p => Label(p.Key, "name"), p => p);
        Assert.Equal(report.All.Select(e => e.Name).Order(), rows.Keys.Order());
        foreach (var entry in report.All)
        {
            var (series, value) = rows[entry.Name];
            Assert.Equal(entry.ExpirationDate!.Value.ToUnixTimeSeconds(), (long)value);
            Assert.Equal(entry.CaName ?? "", Label(series, "ca"));
            Assert.Equal("false", Label(series, "externally_managed"));
        }

        var notAfter = Samples(text, "x509_cert_not_after");
        // 10 cert files, 5 kubeconfigs × (cluster CA + user), 2 kubelet files.
        Assert.Equal(10 + 5 * 2 + 2, notAfter.Count);
        Assert.Equal(notAfter.Keys.Order(), Samples(text, "x509_cert_not_before").Keys.Order());
        Assert.All(Samples(text, "x509_cert_expired").Values, v => Assert.Equal(0, v));
        var apiserver = notAfter.Keys.Single(k => Label(k, "filename") == "apiserver.crt");
        Assert.Equal(
            ("kube-apiserver", "kubernetes", dir.Combine("pki", "apiserver.crt")),
            (Label(apiserver, "subject_CN"), Label(apiserver, "issuer_CN"), Label(apiserver, "filepath"))
        );
        Assert.Matches("^[0-9]+$", Label(apiserver, "serial_number"));
        var admin = notAfter.Keys.Where(k => Label(k, "filename") == "admin.conf").ToList();
        var adminUser = admin.Single(k => Label(k, "embedded_kind") == "user");
        Assert.Equal(
            ("kubernetes-admin", "kubeadm:cluster-admins"),
            (Label(adminUser, "embedded_key"), Label(adminUser, "subject_O"))
        );
        Assert.Single(admin, k => Label(k, "embedded_kind") == "cluster" && Label(k, "embedded_key") == "kubernetes");
        Assert.Equal(0, Samples(text, "x509_read_errors").Single().Value);
        Assert.Equal(1, Samples(text, "x509_exporter_build_info").Single().Value);
        Assert.Empty(Samples(text, "x509_cert_expires_in_seconds"));
    }

    [Fact]
    public void Every_ca_of_a_bundle_is_its_own_series_and_relative_metrics_are_opt_in()
    {
        using var dir = cluster.Copy();
        var bundle = dir.Combine("bundle.pem");
        File.WriteAllText(
            bundle,
            File.ReadAllText(dir.Combine("pki", "ca.crt"))
                + File.ReadAllText(dir.Combine("pki", "front-proxy-ca.crt"))
                + File.ReadAllText(dir.Combine("pki", "etcd", "ca.crt"))
        );
        var text = Exporter(new ExporterSources { WatchFiles = [bundle] }, relative: true).Render();

        AssertPromtoolAccepts(text);
        Assert.Equal(
            ["etcd-ca", "front-proxy-ca", "kubernetes"],
            Samples(text, "x509_cert_not_after").Keys.Select(k => Label(k, "subject_CN")).Order()
        );
        var expiresIn = Samples(text, "x509_cert_expires_in_seconds");
        var notAfter = Samples(text, "x509_cert_not_after");
        Assert.Equal(3, expiresIn.Count);
        foreach (var (series, seconds) in expiresIn)
        {
            Assert.Equal(notAfter[series] - Now.ToUnixTimeSeconds(), seconds);
        }
        Assert.Equal(3, Samples(text, "x509_cert_valid_since_seconds").Count);
        Assert.Empty(Samples(text, "kubepki_cert_not_after"));
    }

    [Fact]
    public void Unreadable_or_corrupt_files_count_as_read_errors_and_the_rest_is_still_served_until_they_are_fixed()
    {
        using var dir = cluster.Copy();
        var corrupt = dir.Combine("corrupt.pem");
        var truncated = dir.Combine("pki", "apiserver.crt");
        var good = File.ReadAllText(truncated);
        File.WriteAllText(corrupt, "not a certificate\n");
        File.WriteAllText(truncated, good[..(good.Length / 2)] + "\n-----END CERTIFICATE-----\n");
        File.WriteAllText(dir.Combine("scheduler.conf"), "users: [unclosed\n");
        Directory.CreateDirectory(dir.Combine("a-directory.pem"));
        var sources = Kubeadm(dir) with
        {
            WatchFiles = [corrupt, dir.Combine("missing.pem"), dir.Combine("a-directory.pem")],
            WatchDirs = [dir.Combine("pki")],
        };
        var exporter = Exporter(sources);

        var text = exporter.Render();
        AssertPromtoolAccepts(text);
        // corrupt.pem, missing.pem, the directory, scheduler.conf, apiserver.crt (read once: the catalog and
        // --watch-dir name the same path) and, as upstream counts them, the 8 files of --watch-dir without a
        // certificate (6 .key, sa.key, sa.pub).
        Assert.Equal(5 + 8, Samples(text, "x509_read_errors").Single().Value);
        var rows = Samples(text, "kubepki_cert_not_after").Keys.Select(k => Label(k, "name")).ToList();
        Assert.DoesNotContain("apiserver", rows);
        Assert.DoesNotContain("scheduler.conf", rows);
        Assert.Contains("apiserver-kubelet-client", rows);
        Assert.Contains("admin.conf", rows);
        // The .key and .pub files of --watch-dir give no series.
        Assert.DoesNotContain(
            Samples(text, "x509_cert_not_after").Keys,
            k => Label(k, "filename").EndsWith(".key", StringComparison.Ordinal)
        );

        File.WriteAllText(truncated, good);
        File.Copy(dir.Combine("pki", "ca.crt"), corrupt, overwrite: true);
        var fixedText = exporter.Render();
        // Still missing.pem, the directory, scheduler.conf and the 8 files without a certificate.
        Assert.Equal(3 + 8, Samples(fixedText, "x509_read_errors").Single().Value);
        Assert.Contains("apiserver", Samples(fixedText, "kubepki_cert_not_after").Keys.Select(k => Label(k, "name")));
        Assert.Contains(Samples(fixedText, "x509_cert_not_after").Keys, k => Label(k, "filepath") == corrupt);
    }

    [Fact]
    public void A_certificate_twice_with_the_same_labels_is_a_read_error_of_its_file_as_upstream_counts_it()
    {
        using var dir = cluster.Copy();
        var ca = File.ReadAllText(dir.Combine("pki", "ca.crt"));
        var twice = dir.Combine("twice.pem");
        File.WriteAllText(twice, ca + ca);
        var exporter = new CertificateExporter(
            new ExporterSources { WatchFiles = [twice, dir.Combine("pki", "ca.crt")] }.Create(
                new FileContentCache(),
                null
            ),
            new ExporterOptions { ExposePerCertErrorMetrics = true },
            new FakeTimeProvider(Now)
        );

        var text = exporter.Render();
        AssertPromtoolAccepts(text);
        // Upstream's parseAllCertificates drops the second copy and raises an error on the file's ref.
        Assert.Equal(2, Samples(text, "x509_cert_not_after").Count);
        Assert.Equal(1, Samples(text, "x509_read_errors").Single().Value);
        var errors = Samples(text, "x509_cert_error").ToDictionary(p => Label(p.Key, "filename"), p => p.Value);
        Assert.Equal(new Dictionary<string, double> { ["twice.pem"] = 1, ["ca.crt"] = 0 }, errors);
    }

    [Fact]
    public void Skip_symlinks_leaves_out_links_found_by_patterns_and_a_linked_pattern_is_no_error()
    {
        using var dir = cluster.Copy();
        var certs = dir.Combine("certs");
        Directory.CreateDirectory(certs);
        File.Copy(dir.Combine("pki", "ca.crt"), Path.Combine(certs, "real.crt"));
        File.CreateSymbolicLink(Path.Combine(certs, "link.crt"), "real.crt");
        File.CreateSymbolicLink(Path.Combine(certs, "dangling.crt"), "gone.crt");
        var link = Path.Combine(certs, "link.crt");
        string Render(bool skip, ExporterSources sources) => Exporter(sources with { SkipSymlinks = skip }).Render();
        string[] Files(string text) =>
            [.. Samples(text, "x509_cert_not_after").Keys.Select(k => Label(k, "filename")).Order()];

        var glob = new ExporterSources { WatchFiles = [Path.Combine(certs, "*.crt")] };
        var followed = Render(false, glob);
        Assert.Equal(["link.crt", "real.crt"], Files(followed));
        Assert.Equal(1, Samples(followed, "x509_read_errors").Single().Value);
        var skipped = Render(true, glob);
        Assert.Equal(["real.crt"], Files(skipped));
        Assert.Equal(0, Samples(skipped, "x509_read_errors").Single().Value);

        var linked = Render(true, new ExporterSources { WatchFiles = [link], WatchKubeconfigs = [link] });
        Assert.Empty(Files(linked));
        Assert.Equal(0, Samples(linked, "x509_read_errors").Single().Value);

        var directory = Render(true, new ExporterSources { WatchDirs = [certs] });
        Assert.Equal(["real.crt"], Files(directory));
        Assert.Equal(0, Samples(directory, "x509_read_errors").Single().Value);
    }

    [Fact]
    public void A_renewal_shows_at_the_next_scrape_without_a_new_exporter()
    {
        using var dir = cluster.Copy();
        var exporter = Exporter(Kubeadm(dir));
        var before = Samples(exporter.Render(), "kubepki_cert_not_after")
            .ToDictionary(p => Label(p.Key, "name"), p => p.Value);

        var later = ClusterFixture.Start.AddDays(100);
        var renew = CliRunner.Run(
            new FakeTimeProvider(later),
            null,
            "certs",
            "renew",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        Assert.True(renew.ExitCode == 0, renew.All);
        var text = exporter.Render();

        var after = Samples(text, "kubepki_cert_not_after").ToDictionary(p => Label(p.Key, "name"), p => p.Value);
        Assert.Equal(before["apiserver"] + TimeSpan.FromDays(100).TotalSeconds, after["apiserver"]);
        Assert.Equal(before["admin.conf"], after["admin.conf"]);
        var x509 = Samples(text, "x509_cert_not_after").Single(p => Label(p.Key, "filename") == "apiserver.crt");
        Assert.Equal(after["apiserver"], x509.Value);
    }

    [Fact]
    public void Secrets_give_their_tls_and_opaque_certificate_keys_and_corrupt_keys_count_as_errors()
    {
        var pem = File.ReadAllBytes(Path.Combine(cluster.CertDir, "apiserver.crt"));
        var ca = File.ReadAllBytes(Path.Combine(cluster.CertDir, "ca.crt"));
        var secrets = new SecretCertificates();
        secrets.Replace(
            null,
            [
                new SecretData(
                    "web",
                    "site-tls",
                    "kubernetes.io/tls",
                    new Dictionary<string, byte[]>
                    {
                        ["tls.crt"] = pem,
                        ["tls.key"] = [1],
                        ["ca.crt"] = ca,
                    }
                ),
                new SecretData(
                    "web",
                    "bundle",
                    "Opaque",
                    new Dictionary<string, byte[]>
                    {
                        ["trust.pem"] = ca,
                        ["notes.txt"] = pem,
                        ["empty.crt"] = [],
                    }
                ),
                new SecretData(
                    "web",
                    "token",
                    "kubernetes.io/service-account-token",
                    new Dictionary<string, byte[]> { ["ca.crt"] = ca }
                ),
                new SecretData(
                    "ops",
                    "broken",
                    "Opaque",
                    new Dictionary<string, byte[]> { ["client.crt"] = "garbage"u8.ToArray() }
                ),
            ]
        );
        var text = Exporter(new ExporterSources { Secrets = true }, secrets: secrets).Render();

        AssertPromtoolAccepts(text);
        var keys = Samples(text, "x509_cert_not_after")
            .Keys.Select(k => $"{Label(k, "secret_namespace")}/{Label(k, "secret_name")}/{Label(k, "secret_key")}")
            .Order();
        Assert.Equal(["web/bundle/trust.pem", "web/site-tls/ca.crt", "web/site-tls/tls.crt"], keys);
        Assert.Equal(1, Samples(text, "x509_read_errors").Single().Value);
        Assert.Empty(Samples(text, "kubepki_cert_not_after"));

        secrets.Remove("web", "bundle");
        secrets.Replace("ops", []);
        var after = Exporter(new ExporterSources { Secrets = true }, secrets: secrets).Render();
        Assert.Equal(2, Samples(after, "x509_cert_not_after").Count);
        Assert.Equal(0, Samples(after, "x509_read_errors").Single().Value);
    }

    [Fact]
    public void The_shipped_alert_rules_pass_promtool_test_rules()
    {
        var rules = RepositoryFile("deploy", "exporter", "alert-rules.yml");
        using var dir = new TempDir("promtool-rules");
        File.WriteAllText(
            dir.Combine("test.yml"),
            $$"""
            rule_files: ["{{rules}}"]
            evaluation_interval: 1m
            tests:
            - interval: 1m
              input_series:
              - series: 'x509_cert_not_after{filepath="/pki/short.crt",subject_CN="short"}'
                values: '{{10 * 86400}}x10'
              - series: 'x509_cert_not_after{filepath="/pki/long.crt",subject_CN="long"}'
                values: '{{365 * 86400}}x10'
              - series: 'kubepki_cert_not_after{name="apiserver",ca="ca",externally_managed="false"}'
                values: '{{5 * 86400}}x10'
              - series: 'kubepki_cert_not_after{name="ca",externally_managed="false"}'
                values: '{{5 * 86400}}x10'
              - series: >-
                  kubepki_cert_not_after{name="front-proxy-client",ca="front-proxy-ca",externally_managed="true"}
                values: '{{5 * 86400}}x10'
              - series: 'x509_read_errors'
                values: '0x10'
              alert_rule_test:
              - eval_time: 1m
                alertname: CertificateExpiration
                exp_alerts:
                - exp_labels: {severity: critical, filepath: /pki/short.crt, subject_CN: short}
                  exp_annotations:
                    summary: Certificate is about to expire
                    description: Certificate for "short" expires in 10.0 days at location "/pki/short.crt"
              - eval_time: 1m
                alertname: KubeadmCertificateExpiration
                exp_alerts:
                - exp_labels: {severity: critical, name: apiserver, ca: ca, externally_managed: "false"}
                  exp_annotations:
                    summary: A kubeadm certificate is about to expire
                    description: 'apiserver on  expires in 5.0 days: run `kubepki certs renew apiserver` on that node.'
              - eval_time: 5m
                alertname: X509ExporterReadErrors
                exp_alerts: []
            """
        );
        var result = ExternalTool.Run("promtool", ["test", "rules", dir.Combine("test.yml")], dir.Path);
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Theory]
    [InlineData("error: --namespace applies to --watch-kube-secrets, which is not given", "--namespace", "web")]
    [InlineData("error: --listen: \"nonsense\" is not host:port", "--listen", "nonsense")]
    public void Bad_flags_give_one_line_and_exit_1(string message, params string[] args)
    {
        var result = CliRunner.Run(["exporter", "--cert-dir", cluster.CertDir, .. args]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(message + "\n", result.Error);
    }

    internal static string RepositoryFile(params string[] parts)
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
