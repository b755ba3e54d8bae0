using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>"Healthy" for a component that serves a kubeadm certificate includes serving the one now on disk.</summary>
public sealed class ComponentHealthTests
{
    private sealed class ServingProbe(byte[]? served) : IComponentProbe
    {
        public Task<ProbeOutcome> GetAsync(HttpGetProbe probe, CancellationToken cancellationToken) =>
            Task.FromResult(new ProbeOutcome(ProbeState.Success, "HTTP 200"));

        public Task<byte[]?> ServedCertificateAsync(string host, int port, CancellationToken cancellationToken) =>
            Task.FromResult(served);
    }

    private static X509Certificate2 Certificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSelfSigned(
            DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow.AddDays(1)
        );
    }

    [Fact]
    public async Task The_apiserver_is_healthy_only_while_it_serves_the_certificate_on_disk()
    {
        using var dir = new TempDir("component-health");
        using var onDisk = Certificate("renewed");
        using var old = Certificate("old");
        var certFile = dir.Combine("apiserver.crt");
        File.WriteAllText(certFile, onDisk.ExportCertificatePem());
        var manifest = StaticPodManifest.Parse(
            $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{name: kube-apiserver}"}
            spec:
              containers:
              - command: [kube-apiserver, --secure-port=6443, --tls-cert-file={certFile}]
                livenessProbe:
                  httpGet: {"{host: 10.0.0.10, port: 6443, path: /livez, scheme: HTTPS}"}
            """,
            "kube-apiserver.yaml"
        );

        var stale = await new ComponentHealth(new ServingProbe(old.RawData)).CheckAsync(
            ControlPlaneComponent.KubeApiServer,
            manifest,
            CancellationToken.None
        );
        var none = await new ComponentHealth(new ServingProbe(null)).CheckAsync(
            ControlPlaneComponent.KubeApiServer,
            manifest,
            CancellationToken.None
        );
        var current = await new ComponentHealth(new ServingProbe(onDisk.RawData)).CheckAsync(
            ControlPlaneComponent.KubeApiServer,
            manifest,
            CancellationToken.None
        );

        Assert.False(stale.Healthy);
        Assert.Equal($"{certFile} served on 10.0.0.10:6443 (a different certificate is served)", stale.Waiting);
        Assert.False(none.Healthy);
        Assert.True(current.Healthy);
        // The scheduler serves no kubeadm certificate: its probes alone decide.
        Assert.Null(ComponentHealth.ServedEndpoint(ControlPlaneComponent.KubeScheduler, manifest));
    }
}
