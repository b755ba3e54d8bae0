using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.Crypto;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Rotation;

/// <summary>ConfigMap kube-public/cluster-info through a rotation of <c>ca</c>, on the test API server reached with
/// admin.conf: old + new after <c>start</c>, the new CA after <c>finish</c>, the old one after <c>abort</c>, the
/// bootstrap signer's signatures and the server left alone; when the API cannot be reached, the exact command is
/// printed. After <c>issue</c>, the kubelet client certificates to re-issue are named per node of the API's node
/// list. The printed discovery hash is the SHA-256 of the CA's SubjectPublicKeyInfo, as openssl computes
/// it.</summary>
public sealed partial class ClusterInfoRotationTests
{
    private const string Signature = "jws-kubeconfig-abcdef";

    [Fact]
    public async Task Start_then_finish_put_both_cas_then_the_new_one_in_cluster_info()
    {
        await using var cluster = await TestCluster.StartAsync();
        var old = Certificates(File.ReadAllText(cluster.CaCertFile)).Single();
        AddClusterInfo(cluster.Server, File.ReadAllText(cluster.CaCertFile));

        var start = Rotate(cluster, "start");
        var @new = Certificates(File.ReadAllText(cluster.Dir.Combine("pki", "ca-rotation", "ca", "new-ca.crt")))[0];
        Assert.Equal([old, @new], ClusterInfoCas(cluster.Server));
        Assert.Contains(
            "--discovery-token-ca-cert-hash "
                + OpensslHash(cluster.Dir.Combine("pki", "ca-rotation", "ca", "new-ca.crt")),
            start
        );
        Assert.Equal("signed-by-the-bootstrap-signer", Data(cluster.Server)[Signature]);

        // kube-apiserver restarted on the files start wrote: its --client-ca-file trusts both CAs.
        await cluster.Server.StopAsync();
        await using var phase1 = Restarted(cluster, X509CertificateLoader.LoadCertificate(@new));
        await phase1.StartAsync();
        cluster.Server.Store.AddNode("cp-1");
        cluster.Server.Store.AddNode("worker-1");
        var issue = Rotate(cluster, "issue");
        foreach (var node in new[] { "cp-1", "worker-1" })
        {
            Assert.Contains(
                $"  {node}: kubepki kubeconfig user --client-name system:node:{node} --org system:nodes "
                    + $"> kubelet-{node}.conf",
                issue
            );
        }
        // kube-apiserver restarted on the files issue wrote: the serving cert is the new CA's.
        await phase1.StopAsync();
        await using var restarted = Restarted(cluster, X509CertificateLoader.LoadCertificate(@new));
        await restarted.StartAsync();

        var finish = Rotate(cluster, "finish");
        Assert.Equal([@new], ClusterInfoCas(restarted));
        Assert.Contains("ConfigMap kube-public/cluster-info now carries one CA", finish);
        Assert.Equal(cluster.Server.Url, Server(restarted));
        Assert.Equal("signed-by-the-bootstrap-signer", Data(restarted)[Signature]);

        // Run again: nothing left to change.
        Assert.Contains("ConfigMap kube-public/cluster-info already carries one CA", Rotate(cluster, "finish"));
    }

    [Fact]
    public async Task Start_then_abort_put_the_old_ca_back_and_an_unreachable_api_gets_the_exact_command()
    {
        await using var cluster = await TestCluster.StartAsync();
        var caPem = File.ReadAllText(cluster.CaCertFile);
        var old = Certificates(caPem).Single();
        AddClusterInfo(cluster.Server, caPem);

        Rotate(cluster, "start");
        Assert.Equal(2, ClusterInfoCas(cluster.Server).Count);

        await cluster.Server.StopAsync();
        var abort = Rotate(cluster, "abort");
        Assert.Contains($"Could not update ConfigMap kube-public/cluster-info through {cluster.AdminConf}", abort);
        var command = PatchCommand().Match(abort);
        Assert.True(command.Success, abort);
        Assert.Equal(cluster.AdminConf, command.Groups["kubeconfig"].Value);
        var patched = JsonNode.Parse(command.Groups["patch"].Value)!["data"]!["kubeconfig"]!.GetValue<string>();
        Assert.Equal([old], CasOf(patched));
        Assert.Equal(cluster.Server.Url, Field(patched, "server"));
        Assert.Equal(2, ClusterInfoCas(cluster.Server).Count); // nothing reached the API

        await cluster.Server.StartAsync();
        Assert.Contains("ConfigMap kube-public/cluster-info now carries one CA", Rotate(cluster, "abort"));
        Assert.Equal([old], ClusterInfoCas(cluster.Server));
    }

    /// <summary>The API server on the cluster's port and store, serving apiserver.crt as it is now and trusting the
    /// cluster's CA and <paramref name="otherClientCa"/> for client certificates.</summary>
    private static TestApiServer Restarted(TestCluster cluster, X509Certificate2 otherClientCa) =>
        new(
            X509Certificate2.CreateFromPemFile(
                cluster.Dir.Combine("pki", "apiserver.crt"),
                cluster.Dir.Combine("pki", "apiserver.key")
            ),
            cluster.Ca.Certificate,
            cluster.Server.Port,
            cluster.Server.Store
        )
        {
            ExtraClientCas = [otherClientCa],
        };

    private static string Rotate(TestCluster cluster, string phase)
    {
        var result = CliRunner.Run(
            "ca",
            "rotate",
            phase,
            "ca",
            "--cert-dir",
            cluster.PkiDir,
            "--kubeconfig-dir",
            cluster.Dir.Path,
            "--kubeconfig",
            cluster.AdminConf
        );
        Assert.True(result.ExitCode == 0, $"ca rotate {phase}: {result.All}");
        return result.All;
    }

    /// <summary>cluster-info as kubeadm uploads it: the kubeconfig and a bootstrap token's signature of it.</summary>
    private static void AddClusterInfo(TestApiServer server, string caPem) =>
        server.Store.AddConfigMap(
            "kube-public",
            "cluster-info",
            new Dictionary<string, string>
            {
                ["kubeconfig"] = KubePki.Rotation.ClusterInfo.Kubeconfig(server.Url, caPem),
                [Signature] = "signed-by-the-bootstrap-signer",
            }
        );

    private static IDictionary<string, string> Data(TestApiServer server) =>
        server.Store.ConfigMaps.Get("kube-public", "cluster-info")!.Data;

    private static List<byte[]> ClusterInfoCas(TestApiServer server) => CasOf(Data(server)["kubeconfig"]);

    private static string Server(TestApiServer server) => Field(Data(server)["kubeconfig"], "server");

    /// <summary>The CAs of a cluster-info kubeconfig (one cluster, no context).</summary>
    private static List<byte[]> CasOf(string kubeconfig) =>
        Certificates(
            System.Text.Encoding.ASCII.GetString(
                Convert.FromBase64String(Field(kubeconfig, "certificate-authority-data"))
            )
        );

    private static string Field(string kubeconfig, string key)
    {
        var matches = Regex.Matches(kubeconfig, $@"^\s*{key}: (\S+)$", RegexOptions.Multiline);
        return Assert.Single(matches).Groups[1].Value;
    }

    private static List<byte[]> Certificates(string pem) =>
        PemCodec.DecodeCertificates(pem, "pem").Select(c => c.RawData).ToList();

    /// <summary>kubeadm's documented way: openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256.</summary>
    private static string OpensslHash(string caPath)
    {
        var pub = ExternalTool.OpensslOk("x509", "-pubkey", "-noout", "-in", caPath);
        var der = PemEncoding.Find(pub);
        var bytes = Convert.FromBase64String(pub[der.Base64Data]);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    [GeneratedRegex(
        @"kubectl --kubeconfig (?<kubeconfig>\S+) -n kube-public patch configmap cluster-info --type merge "
            + @"-p '(?<patch>[^']+)'"
    )]
    private static partial Regex PatchCommand();
}
