using System.Net;
using k8s;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>Issue 8.18: started while the API server is down, the controller keeps trying with back-off, says it is
/// not ready, and goes to work once the API server is back.</summary>
public class UnreachableApiTests
{
    [Fact]
    public async Task With_leader_election_it_waits_not_ready_for_the_api_server_then_leads_and_signs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelet = new SimulatedKubelet(cluster, "late", ["10.7.0.1"]);
        kubelet.RegisterNode();
        await cluster.Server.StopAsync();
        var port = FreePort.On("127.0.0.1");
        var options = RunningController.Options(cluster, leaderElect: true) with
        {
            MetricsBindAddress = $"127.0.0.1:{port}",
        };
        await using var controller = RunningController.Start(cluster.Admin(), options);
        using var http = new HttpClient();

        await Eventually.GetAsync(
            async () =>
            {
                try
                {
                    var response = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
                    return response.StatusCode == HttpStatusCode.ServiceUnavailable ? response : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            "/readyz to answer 503"
        );
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.False(controller.Run.IsCompleted, controller.Run.Exception?.ToString());
        Assert.Equal(
            HttpStatusCode.ServiceUnavailable,
            (await http.GetAsync($"http://127.0.0.1:{port}/readyz")).StatusCode
        );
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{port}/healthz"));

        await cluster.Server.StartAsync();
        var name = await kubelet.SubmitAsync();
        await Eventually.GetAsync(
            async () =>
                (await cluster.Admin().CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status?.Certificate,
            "the certificate once the API server is back"
        );
        await Eventually.GetAsync(
            async () =>
            {
                var response = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
                return response.IsSuccessStatusCode ? response : null;
            },
            "/readyz to answer 200"
        );
        Assert.True(controller.Host.Metrics.IsLeader);
    }
}
