using KubePki.Controller.Tests.Support;
using KubePki.Crypto;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Controller.Tests.Cli;

/// <summary>Without --config, check-expiration and renew read the cluster's ClusterConfiguration from the
/// kube-system/kubeadm-config ConfigMap through --kubeconfig, as kubeadm does, and fall back to the defaults with
/// kubeadm's warning when the cluster cannot be reached.</summary>
public class ClusterConfigTests
{
    private static string Preamble(string prefix) =>
        $"[{prefix}] Reading configuration from the cluster...\n"
        + $"[{prefix}] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o "
        + $"yaml'\n\n";

    private static string Fallback(string prefix) =>
        $"[{prefix}] Reading configuration from the cluster...\n"
        + $"[{prefix}] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o "
        + $"yaml'\n"
        + $"[{prefix}] Error reading configuration from the Cluster. Falling back to default configuration\n\n";

    /// <summary>A cluster whose PKI lives in a custom certificatesDir, with ECDSA keys and a 100h validity in its
    /// ClusterConfiguration; the PKI on disk was made with RSA, so a renewal that used the defaults would be
    /// visible.</summary>
    private static async Task<(TestCluster Cluster, string CertDir, string KubeconfigDir)> StartAsync()
    {
        var cluster = await TestCluster.StartAsync();
        var certDir = cluster.Dir.Combine("custom", "pki");
        var kubeconfigDir = cluster.Dir.Combine("custom");
        var init = cluster.Dir.Combine("init.yaml");
        File.WriteAllText(
            init,
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: cp-1\n"
                + "localAPIEndpoint:\n  advertiseAddress: 10.0.0.1\n"
        );
        var made = CliRunner.Run("init", "phase", "certs", "all", "--cert-dir", certDir, "--config", init);
        Assert.True(made.ExitCode == 0, made.All);
        cluster.Server.Store.AddConfigMap(
            "kube-system",
            "kubeadm-config",
            new Dictionary<string, string>
            {
                ["ClusterConfiguration"] = $"""
                apiVersion: kubeadm.k8s.io/v1beta4
                kind: ClusterConfiguration
                certificatesDir: {certDir}
                encryptionAlgorithm: ECDSA-P256
                certificateValidityPeriod: 100h0m0s
                clusterName: kubernetes
                """,
            }
        );
        return (cluster, certDir, kubeconfigDir);
    }

    [Fact]
    public async Task Check_expiration_reads_the_cert_dir_from_the_cluster()
    {
        var (cluster, _, kubeconfigDir) = await StartAsync();
        await using var _ = cluster;

        var result = CliRunner.Run(
            "certs",
            "check-expiration",
            "--kubeconfig",
            cluster.AdminConf,
            "--kubeconfig-dir",
            kubeconfigDir
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.StartsWith(Preamble("check-expiration") + "CERTIFICATE ", result.Out);
        Assert.DoesNotContain("!MISSING! apiserver", result.Out);
        Assert.DoesNotContain("!MISSING! ca", result.Out);
        Assert.Contains(
            cluster.Server.RequestLog,
            r => r == "GET /api/v1/namespaces/kube-system/configmaps/kubeadm-config"
        );
    }

    [Fact]
    public async Task Json_output_stays_parseable_without_the_messages()
    {
        var (cluster, _, kubeconfigDir) = await StartAsync();
        await using var _ = cluster;

        var result = CliRunner.Run(
            "certs",
            "check-expiration",
            "--kubeconfig",
            cluster.AdminConf,
            "--kubeconfig-dir",
            kubeconfigDir,
            "-o",
            "json"
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.StartsWith("{", result.Out);
        Assert.DoesNotContain("!MISSING", result.Out);
    }

    [Fact]
    public async Task Renew_uses_the_clusters_cert_dir_key_algorithm_and_validity()
    {
        var (cluster, certDir, kubeconfigDir) = await StartAsync();
        await using var _ = cluster;
        var now = DateTimeOffset.UtcNow;

        var result = CliRunner.Run(
            new FakeTimeProvider(now),
            KeyGenerator.Instance,
            "certs",
            "renew",
            "apiserver",
            "--kubeconfig",
            cluster.AdminConf,
            "--kubeconfig-dir",
            kubeconfigDir
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.StartsWith(Preamble("renew"), result.Out);
        var renewed = PemCodec.DecodeCertificate(
            File.ReadAllText(Path.Combine(certDir, "apiserver.crt")),
            "apiserver.crt"
        );
        Assert.Equal(now.UtcDateTime.AddHours(100), renewed.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(Path.Combine(certDir, "apiserver.key")));
    }

    [Fact]
    public async Task An_unreachable_cluster_falls_back_to_the_defaults_with_kubeadms_warning()
    {
        var (cluster, certDir, kubeconfigDir) = await StartAsync();
        await cluster.Server.StopAsync();
        await using var _ = cluster;

        var result = CliRunner.Run(
            "certs",
            "check-expiration",
            "--kubeconfig",
            cluster.AdminConf,
            "--kubeconfig-dir",
            kubeconfigDir,
            "--cert-dir",
            certDir
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.StartsWith(Fallback("check-expiration") + "CERTIFICATE ", result.Out);
    }

    [Fact]
    public async Task A_missing_kubeconfig_means_the_defaults_without_a_word_and_config_wins_over_the_cluster()
    {
        var (cluster, certDir, kubeconfigDir) = await StartAsync();
        await using var _ = cluster;

        var missing = CliRunner.Run(
            "certs",
            "check-expiration",
            "--kubeconfig",
            cluster.Dir.Combine("nope.conf"),
            "--kubeconfig-dir",
            kubeconfigDir,
            "--cert-dir",
            certDir
        );
        var config = CliRunner.Run(
            "certs",
            "check-expiration",
            "--kubeconfig",
            cluster.AdminConf,
            "--kubeconfig-dir",
            kubeconfigDir,
            "--config",
            WriteConfig(cluster.Dir, certDir)
        );

        Assert.True(missing.ExitCode == 0, missing.All);
        Assert.StartsWith("CERTIFICATE ", missing.Out);
        Assert.True(config.ExitCode == 0, config.All);
        Assert.StartsWith("CERTIFICATE ", config.Out);
        Assert.DoesNotContain(cluster.Server.RequestLog, r => r.Contains("kubeadm-config", StringComparison.Ordinal));
    }

    private static string WriteConfig(TempDir dir, string certDir)
    {
        var path = dir.Combine("kubeadm.yaml");
        File.WriteAllText(
            path,
            $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDir: {certDir}\n"
        );
        return path;
    }
}
