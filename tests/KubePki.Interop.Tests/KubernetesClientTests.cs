using k8s;
using KubePki.Interop.Tests.Support;

namespace KubePki.Interop.Tests;

/// <summary>The official C# client (KubernetesClient 21) loads every generated kubeconfig (embedded PKCS#1 / SEC1 keys)
/// and completes an mutual-TLS request to the endpoint serving the generated apiserver cert.</summary>
[Collection(ApiEndpointCollection.Name)]
public sealed class KubernetesClientTests(ApiClustersFixture clusters)
{
    [Theory]
    [MemberData(nameof(KubectlTests.Kubeconfigs), MemberType = typeof(KubectlTests))]
    public async Task BuildConfigFromConfigFile_loads_the_kubeconfig_and_GetVersion_completes_over_mutual_tls(
        string clusterLabel,
        string kubeconfig
    )
    {
        var cluster = clusters.Served.Single(c => c.Label == clusterLabel);
        var before = cluster.Endpoint.Requests.Count;
        var refusedBefore = cluster.Endpoint.Refusals.Count;

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig(kubeconfig));
        Assert.Equal($"https://127.0.0.1:{cluster.Endpoint.Port}", config.Host.TrimEnd('/'));
        Assert.NotNull(config.ClientCertificateData);
        Assert.NotNull(config.ClientCertificateKeyData);
        Assert.Single(config.SslCaCerts!);

        using var client = new Kubernetes(config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var version = await client.Version.GetCodeAsync(timeout.Token);

        Assert.Equal("v1.32.0", version.GitVersion);
        var seen = cluster.Endpoint.Requests.Skip(before).ToList();
        var request = Assert.Single(seen);
        Assert.Equal(("GET", "/version"), (request.Method, request.Path.TrimEnd('/')));
        var (cn, orgs) = cluster.ExpectedIdentities[kubeconfig];
        Assert.Equal(cn, request.CommonName);
        Assert.Equal(orgs, request.Organizations);
        Assert.Equal(refusedBefore, cluster.Endpoint.Refusals.Count);
    }

    [Fact]
    public async Task A_foreign_client_certificate_is_refused_by_the_endpoint()
    {
        var target = clusters.Rsa;
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(clusters.Foreign.Kubeconfig("admin.conf"));
        // Trust the target's CA so that only the client certificate is wrong.
        config.SslCaCerts = KubernetesClientConfiguration
            .BuildConfigFromConfigFile(target.Kubeconfig("admin.conf"))
            .SslCaCerts;
        var seenBefore = target.Endpoint.Requests.Count;
        var refusedBefore = target.Endpoint.Refusals.Count;

        using var client = new Kubernetes(config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<Exception>(() => client.Version.GetCodeAsync(timeout.Token));

        Assert.Equal(seenBefore, target.Endpoint.Requests.Count);
        Assert.Contains(target.Endpoint.Refusals.Skip(refusedBefore), r => r.Contains("CN=kubernetes-admin refused"));
    }
}
