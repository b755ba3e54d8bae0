using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>Each bad input: one clear line, non-zero exit, and a hash of the whole tree unchanged.</summary>
public class RenewBadInputTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Later = ClusterFixture.Start.AddDays(100);

    private static CliRunner.Result Renew(string root, params string[] args) =>
        CliRunner.Run(
            new FakeTimeProvider(Later),
            null,
            [
                "certs",
                "renew",
                .. args,
                "--cert-dir",
                Path.Combine(root, "pki"),
                "--kubeconfig-dir",
                root,
                "--lock-timeout",
                "0s",
            ]
        );

    private static void AssertRefused(string root, string expected, string name = "all")
    {
        var before = TreeSnapshot.Of(root);
        CliAssert.OneLineError(Renew(root, name), expected);
        before.AssertSame(TreeSnapshot.Of(root));
        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "tmp"))); // no backup left behind
    }

    public static TheoryData<string, string> Cases =>
        new()
        {
            { "corrupt-cert", "pki/apiserver.crt: no PEM block of type \"CERTIFICATE\" found" },
            { "ca-not-ca", "pki/ca.crt: ca certificate is not a certificate authority" },
            { "ca-key-mismatch", "pki/ca.key: the private key does not match the certificate" },
            { "kubeconfig-not-yaml", "admin.conf: not a valid kubeconfig" },
            { "kubeconfig-no-context", "admin.conf: has no current-context" },
            {
                "kubeconfig-no-client-cert",
                "admin.conf: user kubernetes-admin does not have an embedded client certificate"
            },
            { "symlinked-key", "pki/etcd/peer.key is a symbolic link to" },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_changes_nothing(string @case, string expected)
    {
        using var dir = cluster.Copy();
        string P(string relative) => dir.Combine(relative.Split('/'));
        switch (@case)
        {
            case "corrupt-cert":
                File.WriteAllText(P("pki/apiserver.crt"), "garbage\n");
                break;
            case "ca-not-ca":
                File.Copy(P("pki/apiserver.crt"), P("pki/ca.crt"), true);
                File.Copy(P("pki/apiserver.key"), P("pki/ca.key"), true);
                break;
            case "ca-key-mismatch":
                File.Copy(P("pki/front-proxy-ca.key"), P("pki/ca.key"), true);
                break;
            case "kubeconfig-not-yaml":
                File.WriteAllText(P("admin.conf"), "{ this is: [not yaml\n");
                break;
            case "kubeconfig-no-context":
                File.WriteAllText(
                    P("admin.conf"),
                    File.ReadAllText(P("admin.conf")).Replace("current-context: kubernetes-admin@kubernetes\n", "")
                );
                break;
            case "kubeconfig-no-client-cert":
                var lines = File.ReadAllLines(P("admin.conf")).Where(l => !l.Contains("client-certificate-data"));
                File.WriteAllText(P("admin.conf"), string.Join('\n', lines) + "\n");
                break;
            case "symlinked-key":
                using (var outside = new TempDir())
                {
                    File.Copy(P("pki/etcd/peer.key"), Path.Combine(outside.Path, "peer.key"));
                    File.Delete(P("pki/etcd/peer.key"));
                    File.CreateSymbolicLink(P("pki/etcd/peer.key"), Path.Combine(outside.Path, "peer.key"));
                    AssertRefused(dir.Path, expected);
                    return;
                }
        }
        AssertRefused(dir.Path, expected);
    }

    [Fact]
    public void An_expired_ca_cannot_renew()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start.AddYears(11)),
            null,
            "certs",
            "renew",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the ca certificate authority " + dir.Combine("pki", "ca.crt") + " expired on", result.Error);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void A_read_only_disk_is_refused_before_anything_is_written()
    {
        using var mount = TmpfsMount.Create("1m");
        CopyTree(cluster.Root, mount.Path);
        Directory.CreateDirectory(Path.Combine(mount.Path, "tmp"), FileModes.PrivateDirectory);
        mount.Remount("ro");
        var result = Renew(mount.Path, "all");
        Assert.Equal(1, result.ExitCode);
        var lockFile = Path.Combine(mount.Path, "tmp", "kubepki-renew.lock");
        Assert.StartsWith($"error: cannot create the lock file {lockFile}", result.Error);
    }

    [Fact]
    public void A_corrupt_or_mismatched_old_key_is_reported_and_replaced()
    {
        using var dir = cluster.Copy();
        File.WriteAllText(dir.Combine("pki", "apiserver.key"), "garbage\n");
        File.Copy(dir.Combine("pki", "front-proxy-client.key"), dir.Combine("pki", "etcd", "peer.key"), true);
        var result = CliRunner.Run(
            new FakeTimeProvider(Later),
            KubePki.Crypto.KeyGenerator.Instance,
            "certs",
            "renew",
            "all",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"[renew] WARNING: {dir.Combine("pki", "apiserver.key")}: no private key found", result.Out);
        var peerKey = dir.Combine("pki", "etcd", "peer.key");
        Assert.Contains($"[renew] WARNING: {peerKey}: the private key does not match the certificate", result.Out);
        Assert.Contains("certificate for serving the Kubernetes API renewed", result.Out);
        foreach (var name in new[] { "apiserver", "etcd/peer" })
        {
            var cert = PemCodec.DecodeCertificate(File.ReadAllText(dir.Combine("pki", name + ".crt")), name);
            using var key = PemCodec.DecodePrivateKey(File.ReadAllText(dir.Combine("pki", name + ".key")), name);
            Assert.True(key.Matches(cert), name);
        }
    }

    [Fact]
    public void A_full_disk_leaves_every_file_as_it_was()
    {
        using var mount = TmpfsMount.Create("256k");
        CopyTree(cluster.Root, mount.Path);
        var before = TreeSnapshot.Of(mount.Path);
        mount.Fill();
        CliAssert.OneLineError(Renew(mount.Path, "all"), "nothing was renewed before it");
        File.Delete(Path.Combine(mount.Path, TmpfsMount.FillerName));
        before.AssertSame(TreeSnapshot.Of(mount.Path));
        Assert.Empty(Directory.EnumerateFiles(mount.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_failure_at_item_n_leaves_earlier_items_renewed_and_the_rest_untouched()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var config = new ClusterConfig { CertificatesDir = dir.Combine("pki"), KubeconfigDir = dir.Path };
        // admin.conf, apiserver, apiserver-etcd-client, then apiserver-kubelet-client fails
        var store = new FailingStore(failOnWrite: 4);
        var pki = new PkiDirectory(config.CertificatesDir, store);
        // fresh keys: the changed-file check includes a key
        var context = new IssueContext(config, pki, KubePki.Crypto.KeyGenerator.Instance, Later, TextWriter.Null);

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(context).Renew(RenewalCatalog.Items(config, pki), new RenewalOptions())
        );

        Assert.StartsWith(
            "renewing apiserver-kubelet-client failed, its files are unchanged (renewed before it: admin.conf, "
                + "apiserver, apiserver-etcd-client; backups in ",
            e.Message
        );
        var after = TreeSnapshot.Of(dir.Path);
        foreach (
            var changed in new[]
            {
                "admin.conf",
                "pki/apiserver.crt",
                "pki/apiserver.key",
                "pki/apiserver-etcd-client.crt",
            }
        )
        {
            Assert.NotEqual(before.Files[changed], after.Files[changed]);
        }
        foreach (
            var same in new[]
            {
                "pki/apiserver-kubelet-client.crt",
                "pki/apiserver-kubelet-client.key",
                "scheduler.conf",
                "pki/etcd/peer.crt",
                "super-admin.conf",
            }
        )
        {
            Assert.Equal(before.Files[same], after.Files[same]);
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The real disk store, failing the Nth write of a certificate or kubeconfig as a full disk would (backup
    /// copies and the journal are written normally).</summary>
    private sealed class FailingStore(int failOnWrite) : DelegatingFileStore
    {
        private int _writes;

        public override void Write(IReadOnlyList<FileWrite> files)
        {
            var state =
                files[0].Path.Contains("/tmp/kubepki-backup-") || files[0].Path.EndsWith("kubepki-renew.journal");
            if (!state && ++_writes == failOnWrite)
            {
                throw new KubePkiException($"cannot write {files[0].Path}: No space left on device");
            }
            base.Write(files);
        }
    }
}
