using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.Lifecycle;
using KubePki.Storage;
using KubePki.TestKit;
using KubePki.Validation;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class RenewTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Later = ClusterFixture.Start.AddDays(300);

    private static CliRunner.Result Renew(TempDir dir, params string[] args) => Renew(null, dir, args);

    private static CliRunner.Result Renew(IKeyGenerator? keys, TempDir dir, params string[] args) =>
        CliRunner.Run(
            new FakeTimeProvider(Later),
            keys,
            ["certs", "renew", .. args, "--cert-dir", dir.Combine("pki"), "--kubeconfig-dir", dir.Path]
        );

    private static X509Certificate2 Cert(string path) => PemCodec.DecodeCertificate(File.ReadAllText(path), path);

    private static X509Certificate2 KubeconfigCert(string path) =>
        PemCodec.DecodeCertificate(KubeconfigFile.Parse(File.ReadAllText(path), path).ClientCertificatePem!, path);

    [Fact]
    public void All_renews_every_leaf_and_kubeconfig_keeping_identity_with_new_keys_and_validity()
    {
        using var dir = cluster.Copy();
        var oldApiserver = Cert(dir.Combine("pki", "apiserver.crt"));
        var oldKey = File.ReadAllText(dir.Combine("pki", "apiserver.key"));
        var oldCa = File.ReadAllBytes(dir.Combine("pki", "ca.crt"));
        var kubelet = File.ReadAllBytes(dir.Combine("kubelet.conf"));

        // Real key generation here: fixture keys are handed out in rotation and could repeat the old key.
        var result = Renew(KeyGenerator.Instance, dir, "all");

        Assert.True(result.ExitCode == 0, result.All);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.StartsWith(
            "[renew] Backing up the files it replaces to " + dir.Combine("tmp", "kubepki-backup-certs-"),
            lines[0]
        );
        Assert.Equal(
            [
                "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed",
                "certificate for serving the Kubernetes API renewed",
                "certificate the apiserver uses to access etcd renewed",
                "certificate for the API server to connect to kubelet renewed",
                "certificate embedded in the kubeconfig file for the controller manager to use renewed",
                "certificate for liveness probes to healthcheck etcd renewed",
                "certificate for etcd nodes to communicate with each other renewed",
                "certificate for serving etcd renewed",
                "certificate for the front proxy client renewed",
                "certificate embedded in the kubeconfig file for the scheduler manager to use renewed",
                "certificate embedded in the kubeconfig file for the super-admin renewed",
                "",
                "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
                    + "kube-scheduler and etcd, so that they can use the new certificates.",
            ],
            lines[1..]
        );

        var renewed = Cert(dir.Combine("pki", "apiserver.crt"));
        Assert.Equal(oldApiserver.SubjectName.RawData, renewed.SubjectName.RawData);
        Assert.Equal(CertificateFacts.DnsNames(oldApiserver), CertificateFacts.DnsNames(renewed));
        Assert.Equal(CertificateFacts.IpAddresses(oldApiserver), CertificateFacts.IpAddresses(renewed));
        Assert.Equal(CertificateFacts.ExtendedKeyUsages(oldApiserver), CertificateFacts.ExtendedKeyUsages(renewed));
        Assert.Equal(Later.UtcDateTime.AddHours(8760), renewed.NotAfter.ToUniversalTime());
        Assert.Equal(Later.UtcDateTime.AddMinutes(-5), renewed.NotBefore.ToUniversalTime());
        Assert.NotEqual(oldKey, File.ReadAllText(dir.Combine("pki", "apiserver.key")));
        using (var key = PemCodec.DecodePrivateKey(File.ReadAllText(dir.Combine("pki", "apiserver.key")), "k"))
        {
            Assert.True(key.Matches(renewed));
        }
        Assert.Equal(oldCa, File.ReadAllBytes(dir.Combine("pki", "ca.crt")));
        Assert.Equal(kubelet, File.ReadAllBytes(dir.Combine("kubelet.conf"))); // kubelet.conf is the kubelet's business
        Assert.Equal(
            Later.UtcDateTime.AddHours(8760),
            KubeconfigCert(dir.Combine("admin.conf")).NotAfter.ToUniversalTime()
        );
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(dir.Combine("pki", "etcd", "peer.key"))
        );
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.Combine("admin.conf")));

        var backup = Directory.GetDirectories(dir.Combine("tmp")).Single();
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(backup)
        );
        Assert.Equal(oldKey, File.ReadAllText(Path.Combine(backup, "pki", "apiserver.key")));
        Assert.True(File.Exists(Path.Combine(backup, "super-admin.conf")));
    }

    [Fact]
    public void Kubeconfig_renewal_replaces_only_the_client_credentials_and_reembeds_the_current_ca()
    {
        using var dir = cluster.Copy();
        var path = dir.Combine("admin.conf");
        var original = File.ReadAllText(path);
        var withExtras = original
            .Replace("preferences: {}", "preferences: {}\nextensions:\n- name: note\n  extension:\n    owner: ops")
            .Replace("    server: ", "    tls-server-name: api.internal\n    server: ");
        // An outdated CA in the file: renewal puts the current ca.crt back (kubeadm#2027).
        var staleCa = KubeconfigFile.Parse(withExtras, path);
        staleCa.SetCertificateAuthority(File.ReadAllText(dir.Combine("pki", "front-proxy-ca.crt")));
        File.WriteAllText(path, staleCa.Serialize());

        var result = Renew(dir, "admin.conf");

        Assert.True(result.ExitCode == 0, result.All);
        var text = File.ReadAllText(path);
        Assert.Contains(
            "extensions:\n- extension:\n    owner: ops\n  name: note\n",
            text.Replace("- name: note\n  extension:\n    owner: ops\n", "- extension:\n    owner: ops\n  name: note\n")
        );
        Assert.Contains("    tls-server-name: api.internal\n", text);
        var renewed = KubeconfigFile.Parse(text, path);
        Assert.Equal(File.ReadAllText(dir.Combine("pki", "ca.crt")), renewed.CertificateAuthorityPem);
        Assert.Equal("kubernetes-admin@kubernetes", renewed.CurrentContext);
        var cert = PemCodec.DecodeCertificate(renewed.ClientCertificatePem!, path);
        Assert.Equal("kubernetes-admin", CertificateFacts.CommonName(cert));
        Assert.Equal(["kubeadm:cluster-admins"], CertificateFacts.Organizations(cert));
        using var key = PemCodec.DecodePrivateKey(renewed.ClientKeyPem!, path);
        Assert.True(key.Matches(cert));
        Assert.DoesNotContain("[renew]", result.Out.Split('\n')[1]);
        Assert.DoesNotContain("Done renewing", result.Out);
    }

    [Fact]
    public void Real_kubeadm_trees_renew_and_keep_their_identities()
    {
        foreach (var tree in new[] { KubeadmFixtures.V129, KubeadmFixtures.V123, KubeadmFixtures.V111 })
        {
            using var dir = KubeadmFixtures.Copy(tree);
            var oldPeer = Cert(dir.Combine("pki", "etcd", "peer.crt"));
            var oldAdmin = KubeconfigCert(dir.Combine("admin.conf"));
            var result = Renew(dir, "all");
            Assert.True(result.ExitCode == 0, tree + ": " + result.All);
            var peer = Cert(dir.Combine("pki", "etcd", "peer.crt"));
            Assert.Equal(oldPeer.SubjectName.RawData, peer.SubjectName.RawData);
            Assert.Equal(CertificateFacts.IpAddresses(oldPeer), CertificateFacts.IpAddresses(peer));
            Assert.True(ChainVerifier.IsSignedBy(peer, [], Cert(dir.Combine("pki", "etcd", "ca.crt"))));
            Assert.Equal(oldAdmin.SubjectName.RawData, KubeconfigCert(dir.Combine("admin.conf")).SubjectName.RawData);
            if (tree != KubeadmFixtures.V129)
            {
                Assert.Contains("MISSING! certificate embedded in the kubeconfig file for the super-admin", result.Out);
            }
            var check = CliRunner.Run(
                new FakeTimeProvider(Later),
                null,
                "certs",
                "check-expiration",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path
            );
            Assert.DoesNotContain("<invalid>", check.Out);
        }
    }

    [Fact]
    public void External_ca_certs_are_not_renewed()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "front-proxy-ca.key"));
        var before = File.ReadAllBytes(dir.Combine("pki", "front-proxy-client.crt"));
        var result = Renew(dir, "all");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            "Detected external front-proxy-ca, certificate for the front proxy client can't be renewed\n",
            result.Out
        );
        Assert.Equal(before, File.ReadAllBytes(dir.Combine("pki", "front-proxy-client.crt")));
    }

    [Fact]
    public void Missing_items_are_reported()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "etcd", "server.crt"));
        var result = Renew(dir, "etcd-server");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("MISSING! certificate for serving etcd\n", result.Out);
    }

    [Fact]
    public void Dry_run_lists_old_and_new_expiry_and_changes_nothing()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var result = Renew(dir, "all", "--dry-run");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            "[dryrun] Would renew apiserver: expires 2027-03-01 12:00:00 UTC now, 2027-12-26 12:00:00 UTC "
                + "after renewal",
            result.Out
        );
        Assert.Equal(
            11,
            result.Out.Split('\n').Count(l => l.StartsWith("[dryrun] Would renew", StringComparison.Ordinal))
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void Expiring_within_renews_only_what_is_due()
    {
        using var dir = cluster.Copy();
        // One cert made to expire soon: re-issue front-proxy-client with a short validity.
        var config = ClusterFixture.WriteConfig(
            dir.Combine("short.yaml"),
            ClusterFixture.Config + "\ncertificateValidityPeriod: 24h\n"
        );
        File.Delete(dir.Combine("pki", "front-proxy-client.crt"));
        File.Delete(dir.Combine("pki", "front-proxy-client.key"));
        Assert.Equal(
            0,
            CliRunner
                .Run(
                    new FakeTimeProvider(Later),
                    null,
                    "init",
                    "phase",
                    "certs",
                    "front-proxy-client",
                    "--cert-dir",
                    dir.Combine("pki"),
                    "--config",
                    config
                )
                .ExitCode
        );
        var apiserver = File.ReadAllBytes(dir.Combine("pki", "apiserver.crt"));

        var result = Renew(dir, "all", "--expiring-within", "720h");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("certificate for the front proxy client renewed", result.Out);
        Assert.Contains("[renew] apiserver expires 2027-03-01 12:00:00 UTC, not within 720h0m0s: skipped", result.Out);
        Assert.Equal(apiserver, File.ReadAllBytes(dir.Combine("pki", "apiserver.crt")));
    }

    [Fact]
    public void A_second_renewal_fails_clearly_while_the_lock_is_held()
    {
        using var dir = cluster.Copy();
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        StateDirectory.Prepare(DiskFileStore.Instance, scope);
        using var held = RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.Zero, TimeProvider.System);
        var before = TreeSnapshot.Of(dir.Path);
        var result = Renew(dir, "all", "--lock-timeout", "0s");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: another renewal is running (lock {dir.Combine("tmp", "kubepki-renew.lock")} is held); try "
                + $"again when it has finished\n",
            result.Error
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void A_swap_interrupted_by_a_crash_is_rolled_back_by_the_next_renewal()
    {
        using var dir = cluster.Copy();
        var oldCert = File.ReadAllBytes(dir.Combine("pki", "apiserver.crt"));
        var oldKey = File.ReadAllBytes(dir.Combine("pki", "apiserver.key"));
        // The state a crash between the two renames leaves: a new key beside the old cert, and the journal.
        var store = DiskFileStore.Instance;
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        StateDirectory.Prepare(store, scope);
        var backup = BackupDirectory.Create(store, scope, "certs", ClusterFixture.Start);
        var entries = new[] { dir.Combine("pki", "apiserver.key"), dir.Combine("pki", "apiserver.crt") }
            .Select(p => new RenewalJournal.Entry(p, backup.Save(p)))
            .ToList();
        RenewalJournal.Begin(store, scope, backup.Path, entries);
        File.Copy(dir.Combine("pki", "front-proxy-client.key"), dir.Combine("pki", "apiserver.key"), overwrite: true);

        var result = Renew(dir, "etcd-peer");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            $"[renew] An earlier renewal was interrupted while replacing {dir.Combine("pki", "apiserver.key")}: "
                + $"restored it from its backup",
            result.Out
        );
        Assert.Equal(oldKey, File.ReadAllBytes(dir.Combine("pki", "apiserver.key")));
        Assert.Equal(oldCert, File.ReadAllBytes(dir.Combine("pki", "apiserver.crt")));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(dir.Combine("pki", "apiserver.key"))
        );
        Assert.False(File.Exists(scope.JournalPath));
        Assert.Contains("certificate for etcd nodes to communicate with each other renewed", result.Out);
    }

    [Fact]
    public void A_completed_renewal_leaves_no_journal_and_nothing_in_the_cert_dir_but_certificates()
    {
        using var dir = cluster.Copy();
        var before = Directory.GetFiles(dir.Combine("pki"), "*", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(0, Renew(dir, "apiserver").ExitCode);
        Assert.False(File.Exists(dir.Combine("tmp", "kubepki-renew.journal")));
        Assert.True(File.Exists(dir.Combine("tmp", "kubepki-renew.lock")));
        Assert.Equal(before, Directory.GetFiles(dir.Combine("pki"), "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public void An_unknown_name_is_a_usage_error()
    {
        using var dir = cluster.Copy();
        var result = Renew(dir, "kubelet.conf");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(
            "error: Unrecognized command or argument 'kubelet.conf' (see 'kubepki certs renew --help')\n",
            result.Error
        );
        Assert.DoesNotContain("Usage:", result.All);
    }
}
