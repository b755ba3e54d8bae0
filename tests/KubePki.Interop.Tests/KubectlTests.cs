using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>kubectl 1.32 as the judge of the kubeconfigs: it must trust the served apiserver cert through
/// certificate-authority-data (SAN 127.0.0.1 against the URL host) and present a client cert the endpoint
/// accepts.</summary>
[Collection(ApiEndpointCollection.Name)]
public sealed class KubectlTests(ApiClustersFixture clusters) : IDisposable
{
    private readonly TempDir _home = new("interop-kubectl-home");

    public static TheoryData<string, string> Kubeconfigs()
    {
        var data = new TheoryData<string, string>();
        foreach (var cluster in new[] { "RSA-2048", "ECDSA-P256" })
        {
            foreach (var name in CertSpec.Kubeconfigs)
            {
                data.Add(cluster, name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Kubeconfigs))]
    public void Get_raw_healthz_succeeds_and_the_endpoint_sees_the_kubeconfigs_identity(
        string clusterLabel,
        string kubeconfig
    )
    {
        var cluster = clusters.Served.Single(c => c.Label == clusterLabel);
        var before = cluster.Endpoint.Requests.Count;
        var refusedBefore = cluster.Endpoint.Refusals.Count;

        var result = Kubectl(cluster.Kubeconfig(kubeconfig), "get", "--raw", "/healthz");

        Assert.True(result.ExitCode == 0, $"kubectl --kubeconfig {kubeconfig} get --raw /healthz failed: {result.All}");
        Assert.Equal("ok", result.Out.Trim());
        Assert.Equal(
            $"https://127.0.0.1:{cluster.Endpoint.Port}",
            Kubepki.KubeconfigField(cluster.Kubeconfig(kubeconfig), "server")
        );
        var seen = cluster.Endpoint.Requests.Skip(before).ToList();
        Assert.Contains(seen, r => r.Path == "/healthz");
        var (cn, orgs) = cluster.ExpectedIdentities[kubeconfig];
        Assert.All(
            seen,
            r =>
            {
                Assert.Equal(cn, r.CommonName);
                Assert.Equal(orgs, r.Organizations);
            }
        );
        Assert.Equal(refusedBefore, cluster.Endpoint.Refusals.Count);
    }

    [Fact]
    public void A_foreign_cluster_kubeconfig_is_refused_both_ways()
    {
        var target = clusters.Rsa;
        var foreignAdmin = clusters.Foreign.Kubeconfig("admin.conf");
        Assert.Equal($"https://127.0.0.1:{target.Endpoint.Port}", Kubepki.KubeconfigField(foreignAdmin, "server"));

        // As written, the foreign kubeconfig trusts only its own CA, so kubectl refuses our server cert.
        var asWritten = Kubectl(foreignAdmin, "get", "--raw", "/healthz");
        Assert.NotEqual(0, asWritten.ExitCode);
        Assert.Contains("certificate signed by unknown authority", asWritten.All);

        // Trusting the right CA but presenting the foreign client cert: the endpoint refuses the handshake.
        var hybrid = Path.Combine(_home.Path, "hybrid-admin.conf");
        File.WriteAllText(
            hybrid,
            File.ReadAllText(foreignAdmin)
                .Replace(
                    Kubepki.KubeconfigField(foreignAdmin, "certificate-authority-data"),
                    Kubepki.KubeconfigField(target.Kubeconfig("admin.conf"), "certificate-authority-data")
                )
        );
        var seenBefore = target.Endpoint.Requests.Count;
        var refusedBefore = target.Endpoint.Refusals.Count;
        var refused = Kubectl(hybrid, "get", "--raw", "/healthz");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal(seenBefore, target.Endpoint.Requests.Count);
        var refusals = target.Endpoint.Refusals.Skip(refusedBefore).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, r => Assert.Contains("CN=kubernetes-admin refused", r));
    }

    private ExternalTool.Result Kubectl(string kubeconfig, params string[] args) =>
        ExternalTool.Run(
            "kubectl",
            [
                "--kubeconfig",
                kubeconfig,
                "--cache-dir",
                Path.Combine(_home.Path, "cache"),
                "--request-timeout=10s",
                .. args,
            ],
            environment: new Dictionary<string, string> { ["HOME"] = _home.Path, ["KUBECONFIG"] = "" }
        );

    public void Dispose() => _home.Dispose();
}
