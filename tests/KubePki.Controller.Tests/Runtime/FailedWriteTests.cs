using k8s;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>A write the API server refused leaves no trace in the controller's cache: it neither signs a CSR whose
/// approval was never stored nor believes a certificate was written.</summary>
public class FailedWriteTests
{
    [Fact]
    public async Task A_refused_approval_is_retried_and_the_certificate_only_follows_a_stored_approval()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelet = new SimulatedKubelet(cluster, "refused", ["10.6.0.1"]);
        kubelet.RegisterNode();
        cluster.Server.Faults.FailNext(
            (m, p) => m == "PUT" && p.EndsWith("/approval", StringComparison.Ordinal),
            500,
            1
        );
        cluster.Server.Faults.FailNext((m, p) => m == "PUT" && p.EndsWith("/status", StringComparison.Ordinal), 500, 1);
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));
        var name = await kubelet.SubmitAsync();
        var admin = cluster.Admin();

        var csr = await Eventually.GetAsync(
            async () =>
            {
                var current = await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name);
                return current.Status?.Certificate is { Length: > 0 } ? current : null;
            },
            "the certificate"
        );

        Assert.Equal(2, cluster.Server.Faults.Injected);
        Assert.Contains(csr.Status.Conditions, c => c.Type == "Approved");
        Assert.Equal(1, cluster.Server.Store.DistinctCertificatesSent()[name]);
    }
}
