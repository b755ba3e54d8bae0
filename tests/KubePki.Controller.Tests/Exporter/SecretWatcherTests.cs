using KubePki.Controller.Exporter;
using KubePki.Controller.Tests.Support;
using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging.Abstractions;

namespace KubePki.Controller.Tests.Exporter;

/// <summary>The exporter's Secret source against the test API server: it lists in pages (limit/continue) as the
/// controller's informers do, so a cluster with many Secrets is never one response held in memory.</summary>
public class SecretWatcherTests
{
    [Fact]
    public async Task Secrets_beyond_the_first_page_are_listed_page_by_page()
    {
        await using var cluster = await TestCluster.StartAsync();
        var pem = await File.ReadAllBytesAsync(cluster.CaCertFile);
        const int Secrets = PagedList.PageSize * 2 + 1;
        for (var i = 0; i < Secrets; i++)
        {
            cluster.Server.Store.AddSecret(
                "certs",
                $"s-{i:D4}",
                "Opaque",
                new Dictionary<string, byte[]> { ["ca.crt"] = pem }
            );
        }
        var target = new SecretCertificates();
        var watcher = new SecretWatcher(cluster.Admin(), target, NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var running = watcher.RunAsync(stop.Token);

        await Eventually.TrueAsync(
            () => Count(target) == Secrets,
            "every Secret to be listed",
            TimeSpan.FromMinutes(1)
        );
        await stop.CancelAsync();
        await running;

        var lists = cluster.Server.RequestLog.Where(r =>
            r.StartsWith("GET /api/v1/secrets?", StringComparison.Ordinal)
        );
        Assert.Contains(
            lists,
            r =>
                r.Contains($"limit={PagedList.PageSize}", StringComparison.Ordinal)
                && r.Contains("continue=", StringComparison.Ordinal)
        );
    }

    private static int Count(SecretCertificates target)
    {
        var scrape = new Scrape();
        target.Collect(scrape);
        return scrape.Certificates.Count;
    }
}
