using System.Net;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>Issue 8.19: CA files that change into something unloadable are logged, counted, and make the controller
/// not ready while it would sign with the stale CA; fixing the files makes it ready again.</summary>
public class CaReloadTests
{
    [Fact]
    public async Task A_broken_ca_rewrite_is_logged_counted_and_makes_the_controller_not_ready_until_fixed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var caDir = cluster.Dir.Combine("ca");
        Directory.CreateDirectory(caDir);
        var cert = Path.Combine(caDir, "ca.crt");
        var key = Path.Combine(caDir, "ca.key");
        File.Copy(cluster.CaCertFile, cert);
        File.Copy(cluster.CaKeyFile, key);
        var port = FreePort.On("127.0.0.1");
        var source = new KubePki.Controller.Signing.CaFileSource(cert, key);
        var options = RunningController.Options(cluster) with
        {
            Signers = new Dictionary<string, KubePki.Controller.Signing.ISigningAuthoritySource>
            {
                [KubePki.Controller.Signing.SignerNames.KubeletServing] = source,
            },
            MetricsBindAddress = $"127.0.0.1:{port}",
        };
        var logs = new RecordingLoggerFactory();
        await using var controller = RunningController.Start(cluster.Admin(), options, logs);
        using var http = new HttpClient();
        async Task<HttpStatusCode?> ReadyAsync()
        {
            try
            {
                return (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }
        await Eventually.GetAsync(async () => await ReadyAsync() == HttpStatusCode.OK ? "ready" : null, "ready");

        File.WriteAllText(cert, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadyAsync());
        Assert.NotNull(source.LastError);
        Assert.Equal(1d, controller.Host.Metrics.Value("kubepki_ca_reload_errors_total", cert));
        Assert.Contains(logs.Lines, l => l.StartsWith("Error: cannot reload the signing CA", StringComparison.Ordinal));
        Assert.Contains("kubepki_ca_reload_errors_total{file=", controller.Host.Metrics.Render());

        File.Copy(cluster.CaCertFile, cert, overwrite: true);

        Assert.Equal(HttpStatusCode.OK, await ReadyAsync());
        Assert.Null(source.LastError);
    }
}
