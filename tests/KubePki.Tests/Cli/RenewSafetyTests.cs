using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Storage;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>Renewal run as root over directories others may write: planted journals and lock files, FIFOs, residue,
/// ownership, backups, durability of what it reports.</summary>
public class RenewSafetyTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Later = ClusterFixture.Start.AddDays(300);

    private static CliRunner.Result Renew(TempDir dir, params string[] args) =>
        Renew(new FakeTimeProvider(Later), dir, args);

    private static CliRunner.Result Renew(TimeProvider time, TempDir dir, params string[] args) =>
        CliRunner.Run(
            time,
            null,
            ["certs", "renew", .. args, "--cert-dir", dir.Combine("pki"), "--kubeconfig-dir", dir.Path]
        );

    /// <summary>Runs a command that must finish: one that blocks (on a FIFO) fails the test instead of hanging
    /// it.</summary>
    private static CliRunner.Result WithinSeconds(int seconds, Func<CliRunner.Result> run, Action? unblock = null)
    {
        var task = Task.Run(run);
        if (!task.Wait(TimeSpan.FromSeconds(seconds)))
        {
            unblock?.Invoke();
            Assert.Fail($"the command did not finish within {seconds} s");
        }
        return task.Result;
    }

    private static void Tool(string name, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(name, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    private static string Stat(string path)
    {
        var start = new ProcessStartInfo("stat", ["-c", "%u:%g %a", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.StandardOutput.ReadToEnd().Trim();
    }

    private static X509Certificate2 Cert(string path) => PemCodec.DecodeCertificate(File.ReadAllText(path), path);

    /// <summary>Unblocks a reader stuck on a FIFO by opening its other end (from another process: this one must not
    /// block in turn when nothing reads).</summary>
    private static void OpenForWriting(string fifo) => Process.Start("sh", ["-c", "echo > \"$0\"", fifo])?.Dispose();

    [Fact]
    public void A_planted_journal_never_overwrites_a_file_outside_the_pki()
    {
        using var dir = cluster.Copy();
        using var outside = new TempDir();
        var victim = Path.Combine(outside.Path, "victim");
        var payload = Path.Combine(outside.Path, "setuid-binary");
        File.WriteAllText(victim, "original\n");
        File.WriteAllText(payload, "#!/bin/sh\n");
        File.SetUnixFileMode(payload, (UnixFileMode)0b111_101_101 | UnixFileMode.SetUser);
        var line = $"{victim}\t{payload}\n";
        // Where main used to read it, and where it is read now (with any content an attacker might choose).
        File.WriteAllText(dir.Combine("pki", ".kubepki-renew.journal"), line);
        Directory.CreateDirectory(dir.Combine("tmp"), (UnixFileMode)0b111_000_000);
        File.WriteAllText(dir.Combine("tmp", "kubepki-renew.journal"), line);

        var result = Renew(dir, "apiserver");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal("original\n", File.ReadAllText(victim));
        Assert.Equal(KubePki.Storage.FileModes.Public, File.GetUnixFileMode(victim));
        Assert.Contains(
            $"[renew] WARNING: ignoring the renewal journal {dir.Combine("tmp", "kubepki-renew.journal")}: "
                + "not a journal this version of kubepki wrote",
            result.Out
        );
        Assert.Contains("certificate for serving the Kubernetes API renewed", result.Out);
    }

    [Fact]
    public void A_symlinked_journal_does_not_leak_what_it_points_to()
    {
        using var dir = cluster.Copy();
        var secret = dir.Combine("pki", "ca.key");
        File.CreateSymbolicLink(dir.Combine("pki", ".kubepki-renew.journal"), secret);
        Directory.CreateDirectory(dir.Combine("tmp"), (UnixFileMode)0b111_000_000);
        File.CreateSymbolicLink(dir.Combine("tmp", "kubepki-renew.journal"), secret);

        var result = Renew(dir, "apiserver");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("PRIVATE KEY", result.All);
        var journal = dir.Combine("tmp", "kubepki-renew.journal");
        Assert.Contains(
            $"[renew] WARNING: ignoring the renewal journal {journal}: {journal} is a symbolic link; "
                + "refusing to read it",
            result.Out
        );
    }

    [Fact]
    public void A_fifo_journal_does_not_hang_the_renewal()
    {
        using var dir = cluster.Copy();
        Tool("mkfifo", dir.Combine("pki", ".kubepki-renew.journal"));
        Directory.CreateDirectory(dir.Combine("tmp"), (UnixFileMode)0b111_000_000);
        Tool("mkfifo", dir.Combine("tmp", "kubepki-renew.journal"));

        var result = WithinSeconds(
            60,
            () => Renew(dir, "apiserver"),
            () => OpenForWriting(dir.Combine("pki", ".kubepki-renew.journal"))
        );

        Assert.True(result.ExitCode == 0, result.All);
        var journal = dir.Combine("tmp", "kubepki-renew.journal");
        Assert.Contains($"{journal} is a FIFO, not a regular file; refusing to read it", result.Out);
    }

    [Fact]
    public void Check_expiration_refuses_a_fifo_instead_of_hanging()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "apiserver.crt"));
        Tool("mkfifo", dir.Combine("pki", "apiserver.crt"));

        var result = WithinSeconds(
            60,
            () =>
                CliRunner.Run(
                    new FakeTimeProvider(Later),
                    null,
                    "certs",
                    "check-expiration",
                    "--cert-dir",
                    dir.Combine("pki"),
                    "--kubeconfig-dir",
                    dir.Path
                ),
            () => OpenForWriting(dir.Combine("pki", "apiserver.crt"))
        );

        Assert.Equal(1, result.ExitCode);
        var cert = dir.Combine("pki", "apiserver.crt");
        Assert.Equal($"error: {cert} is a FIFO, not a regular file; refusing to read it\n", result.Error);
    }

    [Fact]
    public void A_planted_lock_link_is_refused_and_creates_nothing_where_it_points()
    {
        using var dir = cluster.Copy();
        var target = dir.Combine("created-through-the-link");
        File.CreateSymbolicLink(dir.Combine("pki", ".kubepki-renew.lock"), target);
        Directory.CreateDirectory(dir.Combine("tmp"), (UnixFileMode)0b111_000_000);
        File.CreateSymbolicLink(dir.Combine("tmp", "kubepki-renew.lock"), target);

        var result = Renew(dir, "apiserver");

        Assert.Equal(1, result.ExitCode);
        var lockFile = dir.Combine("tmp", "kubepki-renew.lock");
        Assert.Equal(
            $"error: the lock file {lockFile} is a symbolic link; refusing to use it (remove it)\n",
            result.Error
        );
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Lock_and_journal_live_under_the_kubeconfig_dir_not_in_the_cert_dir()
    {
        using var dir = cluster.Copy();
        File.WriteAllText(dir.Combine("pki", "apiserver.crt"), "garbage\n"); // preflight fails
        var failed = Renew(dir, "all");
        Assert.Equal(1, failed.ExitCode);
        Assert.Empty(Directory.GetFiles(dir.Combine("pki"), ".kubepki-*", SearchOption.AllDirectories));

        using var good = cluster.Copy();
        Assert.Equal(0, Renew(good, "apiserver").ExitCode);
        Assert.Empty(Directory.GetFiles(good.Combine("pki"), ".kubepki-*", SearchOption.AllDirectories));
        Assert.True(File.Exists(good.Combine("tmp", "kubepki-renew.lock")));
        Assert.Equal(KubePki.Storage.FileModes.PrivateDirectory, File.GetUnixFileMode(good.Combine("tmp")));
    }

    [Fact]
    public void A_missing_cert_dir_is_named_and_no_directory_is_created()
    {
        using var dir = new TempDir();
        var result = CliRunner.Run(
            new FakeTimeProvider(Later),
            null,
            "certs",
            "renew",
            "all",
            "--cert-dir",
            dir.Combine("typo", "pki"),
            "--kubeconfig-dir",
            dir.Combine("typo")
        );
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: cert dir {dir.Combine("typo", "pki")} does not exist; use --cert-dir\n", result.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_missing_kubeconfig_dir_is_not_created_to_hold_backups()
    {
        using var dir = cluster.Copy();
        var missing = dir.Combine("nowhere");
        var result = CliRunner.Run(
            new FakeTimeProvider(Later),
            null,
            "certs",
            "renew",
            "apiserver",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            missing
        );
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: kubeconfig dir {missing} does not exist", result.Error);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Replaced_files_and_their_backups_keep_owner_group_and_mode()
    {
        using var dir = cluster.Copy();
        // A rootless control plane: etcd's key owned by etcd (uid 1234), group-readable by its group (2345).
        foreach (var file in new[] { "pki/etcd/server.key", "pki/etcd/server.crt", "admin.conf" })
        {
            Tool("chown", "1234:2345", dir.Combine(file.Split('/')));
            Tool("chmod", "0640", dir.Combine(file.Split('/')));
        }

        var result = Renew(dir, "all");

        Assert.True(result.ExitCode == 0, result.All);
        var backup = Directory.GetDirectories(dir.Combine("tmp"), "kubepki-backup-certs-*").Single();
        foreach (var file in new[] { "pki/etcd/server.key", "pki/etcd/server.crt", "admin.conf" })
        {
            Assert.Equal("1234:2345 640", Stat(dir.Combine(file.Split('/'))));
            Assert.Equal("1234:2345 640", Stat(Path.Combine([backup, .. file.Split('/')])));
        }
        Assert.Equal("0:0 600", Stat(dir.Combine("pki", "apiserver.key")));
        Assert.Equal("0:0 644", Stat(dir.Combine("pki", "apiserver.crt")));
    }

    [Fact]
    public void Only_the_newest_backups_are_kept()
    {
        using var dir = cluster.Copy();
        for (var run = 0; run < 5; run++)
        {
            var result = Renew(new FakeTimeProvider(Later.AddSeconds(run)), dir, "front-proxy-client");
            Assert.True(result.ExitCode == 0, result.All);
            if (run == 3)
            {
                var oldest = dir.Combine("tmp", "kubepki-backup-certs-2026-12-26-12-00-00");
                Assert.Contains($"[renew] Removed the old backup {oldest} (--backup-retention 3)", result.Out);
            }
        }
        Assert.Equal(
            [
                "kubepki-backup-certs-2026-12-26-12-00-02",
                "kubepki-backup-certs-2026-12-26-12-00-03",
                "kubepki-backup-certs-2026-12-26-12-00-04",
            ],
            Directory.GetDirectories(dir.Combine("tmp"), "kubepki-backup-*").Select(Path.GetFileName).Order()
        );

        var none = Renew(
            new FakeTimeProvider(Later.AddSeconds(10)),
            dir,
            "front-proxy-client",
            "--backup-retention",
            "0"
        );
        Assert.True(none.ExitCode == 0, none.All);
        Assert.Empty(Directory.GetDirectories(dir.Combine("tmp"), "kubepki-backup-*"));
    }

    [Fact]
    public void Temp_files_a_crash_left_are_removed_by_the_next_run()
    {
        using var dir = cluster.Copy();
        var leftovers = new[]
        {
            dir.Combine("pki", $".apiserver.key.{Guid.NewGuid():N}.tmp"),
            dir.Combine("pki", "etcd", $".peer.key.{Guid.NewGuid():N}.tmp.old"),
            dir.Combine($".admin.conf.{Guid.NewGuid():N}.tmp"),
        };
        foreach (var path in leftovers)
        {
            File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\n");
        }
        var unrelated = dir.Combine("pki", ".notes.tmp");
        File.WriteAllText(unrelated, "mine");

        var result = Renew(dir, "front-proxy-client");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.All(leftovers, path => Assert.False(File.Exists(path), path));
        Assert.All(
            leftovers,
            path => Assert.Contains($"[renew] Removed {path}, left behind by an interrupted run", result.Out)
        );
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void The_reminder_names_only_what_needs_a_restart_and_is_absent_when_nothing_was_renewed()
    {
        using var dir = cluster.Copy();
        var nothingDue = Renew(dir, "all", "--expiring-within", "1h");
        Assert.True(nothingDue.ExitCode == 0, nothingDue.All);
        Assert.DoesNotContain("restart", nothingDue.Out);

        var peer = Renew(dir, "etcd-peer");
        const string Tail = ", so that they can use the new certificates.\n";
        Assert.EndsWith("renewed\n\nDone renewing certificates. You must restart the etcd" + Tail, peer.Out);
        var scheduler = Renew(dir, "scheduler.conf");
        Assert.EndsWith("\nDone renewing certificates. You must restart the kube-scheduler" + Tail, scheduler.Out);
        var admin = Renew(dir, "admin.conf");
        Assert.DoesNotContain("restart", admin.Out);
        var all = Renew(dir, "all");
        Assert.EndsWith(
            "\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, "
                + "kube-scheduler and etcd"
                + Tail,
            all.Out
        );
    }

    [Fact]
    public void Configured_sans_the_kept_certificate_lacks_are_warned_about_with_how_to_reissue()
    {
        using var dir = cluster.Copy();
        var config = ClusterFixture.WriteConfig(
            dir.Combine("more-sans.yaml"),
            ClusterFixture.Config + "\napiServer:\n  certSANs:\n  - lb.example.com\n  - 10.0.0.100\n"
        );

        var result = Renew(dir, "apiserver", "--config", config);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            "[renew] WARNING: the configuration asks for SANs the apiserver certificate lacks: "
                + "lb.example.com, 10.0.0.100. Renewal keeps the old SANs, as kubeadm does; to re-issue it with them, "
                + $"move {dir.Combine("pki", "apiserver.crt")} and {dir.Combine("pki", "apiserver.key")} out of "
                + $"{dir.Combine("pki")}, then run 'kubepki init phase certs apiserver' with the same configuration\n",
            result.Out
        );
        var renewed = Cert(dir.Combine("pki", "apiserver.crt"));
        Assert.DoesNotContain("lb.example.com", CertificateFacts.DnsNames(renewed));
    }

    [Fact]
    public void Without_a_config_an_ecdsa_cluster_keeps_ecdsa_keys()
    {
        using var dir = new TempDir();
        var config = ClusterFixture.WriteConfig(
            dir.Combine("ecdsa.yaml"),
            ClusterFixture.Config + "\nencryptionAlgorithm: ECDSA-P384\n"
        );
        var time = new FakeTimeProvider(ClusterFixture.Start);
        var pki = dir.Combine("pki");
        var certs = CliRunner.Run(time, null, "init", "phase", "certs", "all", "--cert-dir", pki, "--config", config);
        Assert.Equal(0, certs.ExitCode);
        Assert.Equal(
            0,
            CliRunner
                .Run(
                    time,
                    null,
                    "init",
                    "phase",
                    "kubeconfig",
                    "all",
                    "--cert-dir",
                    pki,
                    "--kubeconfig-dir",
                    dir.Path,
                    "--config",
                    config
                )
                .ExitCode
        );

        var result = Renew(dir, "all");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("EC PRIVATE KEY", File.ReadAllText(dir.Combine("pki", "apiserver.key")));
        var cert = PemCodec.DecodeCertificate(File.ReadAllText(dir.Combine("pki", "etcd", "peer.crt")), "peer.crt");
        using var key = cert.GetECDsaPublicKey();
        Assert.Equal(384, key!.KeySize);
        var ecKeyData = Convert.ToBase64String("-----BEGIN EC PRIVATE KEY-----"u8.ToArray())[..20];
        Assert.Contains("client-key-data: " + ecKeyData, File.ReadAllText(dir.Combine("admin.conf")));
    }

    [Fact]
    public void Renewed_dns_sans_are_deduplicated_and_sorted_as_kubeadm_does()
    {
        using var dir = cluster.Copy();
        // An apiserver certificate with repeated and unsorted DNS names and a repeated IP, signed by the cluster CA.
        using var caKey = PemCodec.DecodePrivateKey(File.ReadAllText(dir.Combine("pki", "ca.key")), "ca.key");
        var ca = PemCodec.DecodeCertificate(File.ReadAllText(dir.Combine("pki", "ca.crt")), "ca.crt");
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", leafKey, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var name in new[] { "kubernetes.default", "cp-1", "kubernetes", "cp-1" })
        {
            sans.AddDnsName(name);
        }
        sans.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        sans.AddIpAddress(IPAddress.Parse("192.168.10.5"));
        sans.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        request.CertificateExtensions.Add(sans.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(
            ca.SubjectName,
            caKey.CreateSignatureGenerator(),
            ClusterFixture.Start,
            Later,
            [1]
        );
        File.WriteAllText(dir.Combine("pki", "apiserver.crt"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(dir.Combine("pki", "apiserver.key"), leafKey.ExportECPrivateKeyPem() + "\n");

        var result = Renew(dir, "apiserver");

        Assert.True(result.ExitCode == 0, result.All);
        var renewed = Cert(dir.Combine("pki", "apiserver.crt"));
        Assert.Equal(["cp-1", "kubernetes", "kubernetes.default"], CertificateFacts.DnsNames(renewed));
        Assert.Equal(["10.96.0.1", "192.168.10.5"], CertificateFacts.IpAddresses(renewed).Select(ip => ip.ToString()));
    }

    [Fact]
    public void Csr_only_dry_run_writes_nothing_and_csr_only_honours_expiring_within_and_the_lock()
    {
        using var dir = cluster.Copy();
        var csrDir = dir.Combine("csrs");
        var before = TreeSnapshot.Of(dir.Path);
        var dry = Renew(dir, "all", "--csr-only", "--csr-dir", csrDir, "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.DoesNotContain("Wrote", dry.Out);
        Assert.False(Directory.Exists(csrDir));
        before.AssertSame(TreeSnapshot.Of(dir.Path));

        var due = Renew(dir, "all", "--csr-only", "--csr-dir", csrDir, "--expiring-within", "1h");
        Assert.True(due.ExitCode == 0, due.All);
        Assert.Contains("[renew] apiserver expires 2027-03-01 12:00:00 UTC, not within 1h0m0s: skipped", due.Out);
        Assert.False(File.Exists(Path.Combine(csrDir, "apiserver.csr")));

        // Taken as a run takes it, polling: a process another test forks at this instant briefly shares the flock of
        // the run before, until it execs.
        using var held = FileLock.Acquire(
            dir.Combine("tmp", "kubepki-renew.lock"),
            TimeSpan.FromSeconds(10),
            TimeProvider.System
        );
        var locked = Renew(dir, "apiserver", "--csr-only", "--csr-dir", csrDir, "--lock-timeout", "0s");
        Assert.Equal(1, locked.ExitCode);
        Assert.Contains("another renewal is running", locked.Error);
    }

    [Fact]
    public void Csr_only_into_the_cert_dir_says_to_pass_csr_dir()
    {
        using var dir = cluster.Copy();
        var result = Renew(dir, "apiserver", "--csr-only");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pass --csr-dir", result.Error);
    }

    [Fact]
    public void A_world_writable_cert_dir_is_warned_about()
    {
        using var dir = cluster.Copy();
        File.SetUnixFileMode(dir.Combine("pki"), (UnixFileMode)0b111_111_111);
        var result = Renew(dir, "front-proxy-client");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            $"[renew] WARNING: the cert dir {dir.Combine("pki")} is writable by group or others "
                + "(mode 0777): whoever can write there can replace the certificates the cluster trusts",
            result.Out
        );
    }

    [Fact]
    public void A_weak_ca_key_is_warned_about_when_it_signs()
    {
        using var dir = cluster.Copy();
        using var weak = RSA.Create(1024);
        var request = new CertificateRequest(
            "CN=front-proxy-ca",
            weak,
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1
        );
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true)
        );
        using var ca = request.CreateSelfSigned(ClusterFixture.Start, ClusterFixture.Start.AddYears(10));
        File.WriteAllText(dir.Combine("pki", "front-proxy-ca.crt"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(dir.Combine("pki", "front-proxy-ca.key"), weak.ExportRSAPrivateKeyPem() + "\n");

        var result = Renew(dir, "front-proxy-client");

        Assert.True(result.ExitCode == 0, result.All);
        var caPath = dir.Combine("pki", "front-proxy-ca.crt");
        Assert.Contains(
            $"[certs] WARNING: the front-proxy-ca certificate authority {caPath} has a weak key (RSA-1024)",
            result.Out
        );
    }
}
