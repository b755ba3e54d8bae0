using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.TestKit;
using KubePki.Validation;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class InitPhaseCertsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start);

    private static CliRunner.Result Run(params string[] args) => CliRunner.Run(Clock, null, args);

    private static X509Certificate2 Cert(string path) => PemCodec.DecodeCertificate(File.ReadAllText(path), path);

    [Fact]
    public void All_writes_kubeadms_files_with_kubeadms_modes()
    {
        var files = Directory
            .EnumerateFiles(cluster.Root, "*", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(cluster.Root, f), File.GetUnixFileMode(f)))
            .Where(f => f.Item1 != "kubeadm.yaml")
            .Order()
            .ToList();
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var expected = new[]
        {
            "admin.conf",
            "controller-manager.conf",
            "kubelet.conf",
            "scheduler.conf",
            "super-admin.conf",
            "pki/sa.key",
            "pki/sa.pub",
        }
            .Select(f => (f, Private))
            .Concat(
                new[]
                {
                    "ca",
                    "apiserver",
                    "apiserver-kubelet-client",
                    "front-proxy-ca",
                    "front-proxy-client",
                    "apiserver-etcd-client",
                    "etcd/ca",
                    "etcd/server",
                    "etcd/peer",
                    "etcd/healthcheck-client",
                }.SelectMany(b => new[] { ($"pki/{b}.crt", Public), ($"pki/{b}.key", Private) })
            )
            .Order()
            .ToList();
        Assert.Equal(expected, files);
        Assert.StartsWith(
            "-----BEGIN RSA PRIVATE KEY-----\n",
            File.ReadAllText(Path.Combine(cluster.CertDir, "ca.key"))
        );
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", File.ReadAllText(Path.Combine(cluster.CertDir, "sa.pub")));
        Assert.EndsWith(
            "-----END CERTIFICATE-----\n",
            File.ReadAllText(Path.Combine(cluster.CertDir, "apiserver.crt"))
        );
        Assert.False(Directory.EnumerateFiles(cluster.Root, "*.tmp", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void Validity_is_start_minus_5_minutes_to_start_plus_one_year_and_ten_years()
    {
        var leaf = Cert(Path.Combine(cluster.CertDir, "apiserver.crt"));
        var ca = Cert(Path.Combine(cluster.CertDir, "ca.crt"));
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddMinutes(-5), leaf.NotBefore.ToUniversalTime());
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddHours(8760), leaf.NotAfter.ToUniversalTime());
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddMinutes(-5), ca.NotBefore.ToUniversalTime());
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddHours(87600), ca.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void Every_leaf_chains_to_its_ca_and_matches_its_key()
    {
        foreach (
            var (leaf, ca) in new[]
            {
                ("apiserver", "ca"),
                ("front-proxy-client", "front-proxy-ca"),
                ("etcd/peer", "etcd/ca"),
                ("apiserver-etcd-client", "etcd/ca"),
            }
        )
        {
            var cert = Cert(Path.Combine(cluster.CertDir, leaf + ".crt"));
            Assert.True(ChainVerifier.IsSignedBy(cert, [], Cert(Path.Combine(cluster.CertDir, ca + ".crt"))), leaf);
            using var key = PemCodec.DecodePrivateKey(
                File.ReadAllText(Path.Combine(cluster.CertDir, leaf + ".key")),
                leaf
            );
            Assert.True(key.Matches(cert), leaf);
        }
    }

    [Fact]
    public void Second_run_reuses_everything_and_changes_no_byte()
    {
        using var copy = cluster.Copy();
        var before = TreeSnapshot.Of(copy.Path);
        var result = Run(
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            Path.Combine(copy.Path, "pki"),
            "--config",
            Path.Combine(copy.Path, "kubeadm.yaml")
        );
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[certs] Using existing ca certificate authority", result.Out);
        Assert.Contains("[certs] Using existing apiserver certificate and key on disk", result.Out);
        Assert.Contains("[certs] Using the existing \"sa\" key", result.Out);
        Assert.Contains("[certs] Using existing etcd/ca certificate authority", result.Out);
        Assert.Contains("[certs] Using existing etcd/peer certificate and key on disk", result.Out);
        Assert.DoesNotContain("Generating", result.Out);
        var kubeconfig = Run(
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            Path.Combine(copy.Path, "pki"),
            "--kubeconfig-dir",
            copy.Path,
            "--config",
            Path.Combine(copy.Path, "kubeadm.yaml")
        );
        Assert.Equal(0, kubeconfig.ExitCode);
        Assert.Contains(
            "[kubeconfig] Using existing kubeconfig file: \"" + Path.Combine(copy.Path, "admin.conf") + "\"",
            kubeconfig.Out
        );
        before.AssertSame(TreeSnapshot.Of(copy.Path));
    }

    [Fact]
    public void Init_makes_the_same_tree_as_the_two_phases()
    {
        using var dir = new TempDir();
        var result = Run(
            "init",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path,
            "--config",
            cluster.ConfigPath
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("[certs] Generating \"etcd/ca\" certificate and key", result.Out);
        Assert.Contains("[kubeconfig] Writing \"super-admin.conf\" kubeconfig file", result.Out);
        var expected = Directory
            .EnumerateFiles(cluster.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(cluster.Root, f))
            .Where(f => f != "kubeadm.yaml")
            .Order();
        Assert.Equal(
            expected,
            Directory
                .EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(dir.Path, f))
                .Order()
        );
    }

    [Fact]
    public void Dry_run_writes_nothing_but_reports_every_file()
    {
        using var dir = new TempDir();
        var result = Run(
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            dir.Combine("pki"),
            "--apiserver-advertise-address",
            "10.0.0.1",
            "--dry-run"
        );
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            $"[dryrun] Would write file \"{dir.Combine("pki", "etcd", "peer.key")}\" with mode 0600",
            result.Out
        );
        Assert.Contains(
            $"[dryrun] Would write file \"{dir.Combine("pki", "apiserver.crt")}\" with mode 0644",
            result.Out
        );
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Single_phase_needs_its_ca_and_external_etcd_skips_etcd()
    {
        using var dir = new TempDir();
        var missingCa = Run(
            "init",
            "phase",
            "certs",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--apiserver-advertise-address",
            "10.0.0.1"
        );
        Assert.Equal(1, missingCa.ExitCode);
        Assert.StartsWith("error: couldn't load ca certificate authority from", missingCa.Error);

        var config = ClusterFixture.WriteConfig(
            dir.Combine("ext.yaml"),
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: "
                + "ECDSA-P256\netcd:\n  external:\n    endpoints: [https://10.0.0.1:2379]\n"
        );
        var result = Run(
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            dir.Combine("pki"),
            "--config",
            config,
            "--apiserver-advertise-address",
            "10.0.0.1"
        );
        Assert.Equal(0, result.ExitCode);
        Assert.False(Directory.Exists(dir.Combine("pki", "etcd")));
        var etcd = Run("init", "phase", "certs", "etcd-server", "--cert-dir", dir.Combine("pki"), "--config", config);
        Assert.Contains("[certs] External etcd mode: Skipping etcd/server certificate generation", etcd.Out);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, "ECDSA-P256", "EC PRIVATE KEY", 256)]
    [InlineData(KeyAlgorithm.EcdsaP384, "ECDSA-P384", "EC PRIVATE KEY", 384)]
    [InlineData(KeyAlgorithm.Rsa3072, "RSA-3072", "RSA PRIVATE KEY", 3072)]
    public void Encryption_algorithm_sets_the_key_type(KeyAlgorithm algorithm, string name, string pemLabel, int size)
    {
        _ = algorithm;
        using var dir = new TempDir();
        var config = ClusterFixture.WriteConfig(
            dir.Combine("c.yaml"),
            $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: {name}\n"
        );
        var result = Run("init", "phase", "certs", "ca", "--cert-dir", dir.Path, "--config", config);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"-----BEGIN {pemLabel}-----", File.ReadAllText(dir.Combine("ca.key")));
        var ca = Cert(dir.Combine("ca.crt"));
        Assert.Equal(size, pemLabel.StartsWith("EC") ? ca.GetECDsaPublicKey()!.KeySize : ca.GetRSAPublicKey()!.KeySize);
    }
}
