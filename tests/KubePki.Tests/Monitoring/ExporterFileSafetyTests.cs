using KubePki.Monitoring;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Monitoring;

/// <summary>Files an attacker (or an accident) can put where the exporter looks: a FIFO, a link to /dev/zero, a huge
/// sparse file, a hostile kubeconfig. Each is one read error; the scrape comes back at once with every other
/// certificate, and the next scrape is not held up either.</summary>
public class ExporterFileSafetyTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan ScrapeLimit = TimeSpan.FromSeconds(5);

    private static CertificateExporter Exporter(ExporterSources sources) =>
        new(
            sources.Create(new FileContentCache(), null),
            new ExporterOptions(),
            new FakeTimeProvider(ClusterFixture.Start.AddDays(30))
        );

    /// <summary>One scrape that must finish within <see cref="ScrapeLimit"/>. If it does not, the FIFOs get a writer
    /// so the stuck read ends and no thread is left blocked, and the test fails.</summary>
    private static string Scrape(CertificateExporter exporter, params string[] fifos)
    {
        var scrape = Task.Run(exporter.Render);
        if (scrape.Wait(ScrapeLimit))
        {
            return scrape.Result;
        }
        foreach (var fifo in fifos.Where(File.Exists))
        {
            ExternalTool.Run("timeout", ["2", "sh", "-c", "exec 3>\"$0\"", fifo]);
        }
        Assert.Fail($"a scrape took longer than {ScrapeLimit}");
        return "";
    }

    private static void MakeFifo(string path) => Assert.Equal(0, ExternalTool.Run("mkfifo", [path]).ExitCode);

    private static double Errors(string text) => ExporterTests.Samples(text, "x509_read_errors").Single().Value;

    private static List<string> Files(string text) =>
        [
            .. ExporterTests
                .Samples(text, "x509_cert_not_after")
                .Keys.Select(k => ExporterTests.Label(k, "filename"))
                .Distinct()
                .Order(StringComparer.Ordinal),
        ];

    [Fact]
    public void A_fifo_in_a_watched_directory_is_one_read_error_and_never_holds_a_scrape()
    {
        using var dir = cluster.Copy();
        var watched = dir.Combine("watched");
        Directory.CreateDirectory(watched);
        File.Copy(dir.Combine("pki", "ca.crt"), Path.Combine(watched, "ca.crt"));
        var fifo = Path.Combine(watched, "planted.pem");
        MakeFifo(fifo);
        var exporter = Exporter(new ExporterSources { WatchDirs = [watched], WatchFiles = [fifo] });

        var text = Scrape(exporter, fifo);
        Assert.Equal(["ca.crt"], Files(text));
        // Watched by --watch-file and --watch-dir, read (and counted) once, as upstream does.
        Assert.Equal(1, Errors(text));
        // A second scrape while the FIFO is there, and one after it is gone: neither waits on the first.
        Assert.Equal(1, Errors(Scrape(exporter, fifo)));
        File.Delete(fifo);
        Assert.Equal(["ca.crt"], Files(Scrape(exporter)));
    }

    [Fact]
    public void A_kubeconfig_whose_client_certificate_is_a_fifo_does_not_hold_the_scrape()
    {
        using var dir = cluster.Copy();
        var fifo = dir.Combine("client.pem");
        MakeFifo(fifo);
        var conf = dir.Combine("admin.conf");
        File.WriteAllText(
            conf,
            string.Join(
                '\n',
                File.ReadAllLines(conf)
                    .Select(l =>
                        l.TrimStart().StartsWith("client-certificate-data:", StringComparison.Ordinal)
                            ? "    client-certificate: client.pem"
                            : l
                    )
            )
        );
        var exporter = Exporter(new ExporterSources { KubeconfigDir = dir.Path });

        var text = Scrape(exporter, fifo);
        Assert.Equal(1, Errors(text));
        Assert.Contains("controller-manager.conf", Files(text));
    }

    [Fact]
    public void Links_to_dev_zero_are_refused_without_reading_them()
    {
        using var dir = cluster.Copy();
        var watched = dir.Combine("watched");
        Directory.CreateDirectory(watched);
        File.Copy(dir.Combine("pki", "ca.crt"), Path.Combine(watched, "ca.crt"));
        File.CreateSymbolicLink(Path.Combine(watched, "zero.pem"), "/dev/zero");
        File.CreateSymbolicLink(dir.Combine("zero.crt"), "/dev/zero");
        var exporter = Exporter(new ExporterSources { WatchDirs = [watched], WatchFiles = [dir.Combine("zero.crt")] });

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var text = Scrape(exporter);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(["ca.crt"], Files(text));
        Assert.Equal(2, Errors(text));
        Assert.InRange(allocated, 0, 16 << 20);
    }

    [Fact]
    public void A_certificate_file_over_the_size_cap_is_refused_before_it_is_read()
    {
        using var dir = cluster.Copy();
        var watched = dir.Combine("watched");
        Directory.CreateDirectory(watched);
        File.Copy(dir.Combine("pki", "ca.crt"), Path.Combine(watched, "ca.crt"));
        // Sparse: 1 GiB of size, no disk blocks.
        using (var huge = File.Create(Path.Combine(watched, "huge.pem")))
        {
            huge.SetLength(1L << 30);
        }
        var exporter = Exporter(new ExporterSources { WatchDirs = [watched] });

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var text = Scrape(exporter);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(["ca.crt"], Files(text));
        Assert.Equal(1, Errors(text));
        Assert.InRange(allocated, 0, 16 << 20);
    }

    [Fact]
    public void A_hostile_kubeconfig_is_one_read_error_through_the_bounded_yaml_reader()
    {
        using var dir = cluster.Copy();
        // Duplicate keys, and an alias bomb: each refused with one line, the other kubeconfigs still served.
        File.WriteAllText(dir.Combine("admin.conf"), "apiVersion: v1\nkind: Config\nkind: Config\nusers: []\n");
        var bomb = new System.Text.StringBuilder("apiVersion: v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 8; i++)
        {
            bomb.Append($"a{i}: &a{i} [");
            bomb.AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10));
            bomb.Append("]\n");
        }
        File.WriteAllText(dir.Combine("scheduler.conf"), bomb.ToString());
        var exporter = Exporter(new ExporterSources { KubeconfigDir = dir.Path });

        var text = Scrape(exporter);
        Assert.Equal(2, Errors(text));
        Assert.Contains("controller-manager.conf", Files(text));
        Assert.DoesNotContain("admin.conf", Files(text));
    }

    [Fact]
    public void The_cache_keeps_no_file_contents_and_forgets_files_that_are_gone()
    {
        using var dir = cluster.Copy();
        var watched = dir.Combine("watched");
        Directory.CreateDirectory(watched);
        File.Copy(dir.Combine("pki", "ca.crt"), Path.Combine(watched, "ca.crt"));
        var junk = Enumerable.Range(0, 20).Select(i => Path.Combine(watched, $"junk{i}.pem")).ToList();
        foreach (var file in junk)
        {
            File.WriteAllText(file, new string('A', 512 << 10));
        }
        var cache = new FileContentCache();
        var exporter = new CertificateExporter(
            new ExporterSources { WatchDirs = [watched] }.Create(cache, null),
            new ExporterOptions(),
            new FakeTimeProvider(ClusterFixture.Start.AddDays(30))
        );

        Assert.Equal(20, Errors(Scrape(exporter)));
        Assert.Equal(21, cache.Count);
        // 10 MiB were read; what stays is a digest and the parse (or the error) per file.
        Assert.InRange(cache.RetainedContentBytes, 0, 21 * 64);
        junk.ForEach(File.Delete);
        Assert.Equal(0, Errors(Scrape(exporter)));
        Assert.Equal(1, cache.Count);
    }
}
