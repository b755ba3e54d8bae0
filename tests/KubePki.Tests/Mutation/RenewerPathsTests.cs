using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.GoText;
using KubePki.Lifecycle;
using KubePki.Model;
using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Mutation;

/// <summary>The renewal paths a CLI run seldom reaches: each verification before a file is replaced, what a failure
/// reports and keeps, the --expiring-within boundary, dry-run dates, the restart reminder and which key type a
/// renewal keeps.</summary>
public class RenewerPathsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Later = ClusterFixture.Start.AddDays(100);

    private sealed record Run(ClusterConfig Config, PkiDirectory Pki, IssueContext Context, StringWriter Log)
    {
        public RenewableItem Item(string name) => RenewalCatalog.Find(Config, Pki, name);
    }

    private static Run Open(TempDir dir, IKeyGenerator? keys = null, TimeSpan? validity = null)
    {
        var config = new ClusterConfig
        {
            CertificatesDir = dir.Combine("pki"),
            KubeconfigDir = dir.Path,
            CertificateValidity = validity ?? TimeSpan.FromHours(8760),
        };
        var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
        var log = new StringWriter();
        return new Run(config, pki, new IssueContext(config, pki, keys ?? FixtureKeys.Shared, Later, log), log);
    }

    private static string[] Backups(TempDir dir) =>
        Directory.Exists(dir.Combine("tmp")) ? Directory.GetDirectories(dir.Combine("tmp"), "kubepki-backup-*") : [];

    /// <summary>Hands out ECDSA keys whose public half changes after it was first read: the certificate is issued for
    /// the first, the key written would be the second (a faulty key source).</summary>
    private sealed class ShiftingKeys : IKeyGenerator
    {
        public PrivateKey Generate(KeyAlgorithm algorithm) => PrivateKey.From(new ShiftingEcdsa());
    }

    private sealed class ShiftingEcdsa : ECDsa
    {
        private readonly ECDsa _first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly ECDsa _second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private int _exports;

        public ShiftingEcdsa()
        {
            KeySizeValue = 256;
            LegalKeySizesValue = [new KeySizes(256, 256, 0)];
        }

        public override ECParameters ExportParameters(bool includePrivateParameters) =>
            (_exports++ == 0 ? _first : _second).ExportParameters(includePrivateParameters);

        public override ECParameters ExportExplicitParameters(bool includePrivateParameters) =>
            _second.ExportExplicitParameters(includePrivateParameters);

        public override byte[] SignHash(byte[] hash) => _second.SignHash(hash);

        public override bool VerifyHash(byte[] hash, byte[] signature) => _second.VerifyHash(hash, signature);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _first.Dispose();
                _second.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void A_new_certificate_that_does_not_match_its_new_key_replaces_nothing()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var run = Open(dir, new ShiftingKeys());

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).Renew([run.Item("apiserver")], new RenewalOptions())
        );

        Assert.Equal(
            "renewing apiserver failed, its files are unchanged (nothing was renewed before it): "
                + "apiserver: the new certificate does not match the new key; nothing replaced",
            e.Message
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        Assert.Empty(Backups(dir));
    }

    /// <summary>kubeadm's renewal copies the old SANs through RemoveDuplicateAltNames: DNS names de-duplicated and
    /// sorted (byte order, so capitals first), IPs de-duplicated in their order; the case of a name is kept.</summary>
    [Fact]
    public void A_renewal_keeps_the_old_sans_deduplicated_in_kubeadms_order()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        var ca = CaLoader.Load(run.Pki, CertCatalog.Ca);
        using var key = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate(
            "kube-apiserver",
            ["o2", "o1"],
            false,
            ["b.example", "API.Example", "b.example"],
            [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")],
            [ExtendedKeyUsageOids.ClientAuth, ExtendedKeyUsageOids.ServerAuth],
            ClusterFixture.Start,
            ClusterFixture.Start.AddDays(365)
        );
        run.Pki.WritePair("apiserver", ca.Issue(template, key.PublicKey, out _), key);

        var result = new Renewer(run.Context).Renew([run.Item("apiserver")], new RenewalOptions());

        Assert.Equal(["apiserver"], result.Renewed);
        var renewed = run.Pki.ReadCert("apiserver");
        Assert.Equal("kube-apiserver", CertificateFacts.CommonName(renewed));
        Assert.Equal(["o2", "o1"], CertificateFacts.Organizations(renewed));
        Assert.Equal(["API.Example", "b.example"], CertificateFacts.DnsNames(renewed));
        Assert.Equal([IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1")], CertificateFacts.IpAddresses(renewed));
        Assert.Equal(
            [ExtendedKeyUsageOids.ClientAuth, ExtendedKeyUsageOids.ServerAuth],
            CertificateFacts.ExtendedKeyUsages(renewed)
        );
        Assert.Equal(Later.AddMinutes(-5), CertificateFacts.NotBefore(renewed));
        Assert.Equal(Later.AddHours(8760), CertificateFacts.NotAfter(renewed));
    }

    /// <summary>An item that behaves as <paramref name="Inner"/> except for the replacement its subclass
    /// makes.</summary>
    private abstract record DelegatingItem(RenewableItem Inner)
        : RenewableItem(Inner.Name, Inner.LongName, Inner.CaName)
    {
        internal override bool Exists(IFileStore store) => Inner.Exists(store);

        internal override X509Certificate2 ReadCertificate(IFileStore store) => Inner.ReadCertificate(store);

        internal override IReadOnlyList<string> Paths => Inner.Paths;

        internal override IReadOnlyList<string> Validate(IFileStore store) => Inner.Validate(store);

        internal override IReadOnlyList<string> Restarts => Inner.Restarts;
    }

    /// <summary>The item whose replacement fails (a full disk, say) after others were renewed.</summary>
    private sealed record FailingItem(RenewableItem Inner) : DelegatingItem(Inner)
    {
        internal override IReadOnlyList<FileWrite> Replacement(
            IFileStore store,
            X509Certificate2 certificate,
            PrivateKey key,
            string caBundlePem
        ) => throw new IOException("No space left on device");
    }

    [Fact]
    public void A_failure_after_a_renewal_names_what_was_renewed_and_keeps_its_backup()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var run = Open(dir);

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).Renew(
                [run.Item("apiserver"), run.Item("apiserver-kubelet-client"), new FailingItem(run.Item("etcd-peer"))],
                new RenewalOptions()
            )
        );

        var backup = Assert.Single(Backups(dir));
        Assert.Equal(
            "renewing etcd-peer failed, its files are unchanged (renewed before it: apiserver, "
                + $"apiserver-kubelet-client; backups in {backup}): No space left on device",
            e.Message
        );
        Assert.IsType<IOException>(e.InnerException);
        var after = TreeSnapshot.Of(dir.Path);
        Assert.NotEqual(before.Files["pki/apiserver.crt"], after.Files["pki/apiserver.crt"]);
        Assert.Equal(before.Files["pki/etcd/peer.crt"], after.Files["pki/etcd/peer.crt"]);
        Assert.Equal(before.Files["pki/etcd/peer.key"], after.Files["pki/etcd/peer.key"]);
        Assert.Single(Directory.GetFiles(backup, "apiserver.crt", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_failure_at_the_first_item_of_a_run_that_does_not_own_the_replacer_keeps_its_backup()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        using var replacer = FileReplacer.Open(
            DiskFileStore.Instance,
            new ReplacementScope(run.Config.CertificatesDir, run.Config.KubeconfigDir),
            new ReplacementPolicy(TimeSpan.Zero, ReplacementPolicy.DefaultBackupRetention),
            TimeProvider.System,
            TextWriter.Null
        );
        // The caller's run has already replaced a file: its backup must outlive a failed renewal.
        var caPath = run.Pki.CertPath("ca");
        replacer.Replace([FileWrite.Text(caPath, File.ReadAllText(caPath), FileModes.Public)]);
        var backup = replacer.BackupPath;
        Assert.NotNull(backup);

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).Renew([new FailingItem(run.Item("apiserver"))], new RenewalOptions(), replacer)
        );

        Assert.Equal(
            "renewing apiserver failed, its files are unchanged (nothing was renewed before it; backups in "
                + $"{backup}): No space left on device",
            e.Message
        );
        Assert.Equal(backup, replacer.BackupPath);
        Assert.True(Directory.Exists(backup));
    }

    [Fact]
    public void An_item_expiring_exactly_at_the_end_of_the_window_is_renewed_one_a_second_later_is_skipped()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        var notAfter = CertificateFacts.NotAfter(run.Pki.ReadCert("apiserver"));
        var window = notAfter - Later;

        var skipped = new Renewer(run.Context).Renew(
            [run.Item("apiserver")],
            new RenewalOptions { DryRun = true, ExpiringWithin = window - TimeSpan.FromSeconds(1) }
        );
        var due = new Renewer(run.Context).Renew(
            [run.Item("apiserver")],
            new RenewalOptions { DryRun = true, ExpiringWithin = window }
        );

        Assert.Empty(skipped.Renewed);
        Assert.Equal(["apiserver"], due.Renewed);
        Assert.StartsWith(
            $"[renew] apiserver expires {notAfter:yyyy-MM-dd HH:mm:ss} UTC, not within "
                + $"{GoDuration.Format(window - TimeSpan.FromSeconds(1))}: skipped{Environment.NewLine}",
            run.Log.ToString()
        );
    }

    [Fact]
    public void A_dry_run_reports_the_new_expiry_clamped_to_the_ca_and_writes_nothing()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var directories = Directory.GetDirectories(dir.Path, "*", SearchOption.AllDirectories);
        var shortRun = Open(dir);
        var longRun = Open(dir, validity: TimeSpan.FromDays(365 * 30));
        var oldNotAfter = CertificateFacts.NotAfter(shortRun.Pki.ReadCert("front-proxy-client"));
        var caNotAfter = CertificateFacts.NotAfter(shortRun.Pki.ReadCert("front-proxy-ca"));

        var first = new Renewer(shortRun.Context).Renew(
            [shortRun.Item("front-proxy-client")],
            new RenewalOptions { DryRun = true }
        );
        var second = new Renewer(longRun.Context).Renew(
            [longRun.Item("front-proxy-client")],
            new RenewalOptions { DryRun = true }
        );

        Assert.Equal(["front-proxy-client"], first.Renewed);
        Assert.Equal(["kube-apiserver"], first.Restart);
        Assert.Null(first.BackupPath);
        Assert.Empty(first.Pruned);
        Assert.Equal(["front-proxy-client"], second.Renewed);
        Assert.Equal(
            $"[dryrun] Would renew front-proxy-client: expires {oldNotAfter:yyyy-MM-dd HH:mm:ss} UTC now, "
                + $"{Later.AddHours(8760):yyyy-MM-dd HH:mm:ss} UTC after renewal{Environment.NewLine}",
            shortRun.Log.ToString()
        );
        Assert.Contains(
            $"[dryrun] Would renew front-proxy-client: expires {oldNotAfter:yyyy-MM-dd HH:mm:ss} UTC now, "
                + $"{caNotAfter:yyyy-MM-dd HH:mm:ss} UTC after renewal{Environment.NewLine}",
            longRun.Log.ToString()
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        Assert.Equal(directories, Directory.GetDirectories(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_restart_reminder_follows_kubeadms_component_order_and_omits_clients_without_a_static_pod()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);

        var mixed = new Renewer(run.Context).Renew(
            [run.Item("etcd-peer"), run.Item("scheduler.conf"), run.Item("apiserver-etcd-client")],
            new RenewalOptions { DryRun = true }
        );
        var none = new Renewer(run.Context).Renew(
            [run.Item("etcd-healthcheck-client"), run.Item("admin.conf")],
            new RenewalOptions { DryRun = true }
        );

        Assert.Equal(["etcd-peer", "scheduler.conf", "apiserver-etcd-client"], mixed.Renewed);
        Assert.Equal(["kube-apiserver", "kube-scheduler", "etcd"], mixed.Restart);
        Assert.Equal(["etcd-healthcheck-client", "admin.conf"], none.Renewed);
        Assert.Empty(none.Restart);
    }

    [Fact]
    public void A_missing_item_is_reported_and_the_others_renewed()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "front-proxy-client.crt"));
        var run = Open(dir);

        var result = new Renewer(run.Context).Renew(
            [run.Item("front-proxy-client"), run.Item("apiserver-kubelet-client")],
            new RenewalOptions()
        );

        Assert.Equal(["apiserver-kubelet-client"], result.Renewed);
        Assert.Contains($"MISSING! {CertCatalog.FrontProxyClient.LongName}{Environment.NewLine}", run.Log.ToString());
        Assert.Contains(
            $"{CertCatalog.ApiServerKubeletClient.LongName} renewed{Environment.NewLine}",
            run.Log.ToString()
        );
        Assert.NotNull(result.BackupPath);
    }

    [Fact]
    public void A_mismatched_old_key_is_reported_as_a_warning_and_replaced()
    {
        using var dir = cluster.Copy();
        File.Copy(dir.Combine("pki", "apiserver.key"), dir.Combine("pki", "front-proxy-client.key"), overwrite: true);
        var run = Open(dir);

        var result = new Renewer(run.Context).Renew([run.Item("front-proxy-client")], new RenewalOptions());

        Assert.Equal(["front-proxy-client"], result.Renewed);
        Assert.Contains(
            $"[renew] WARNING: {dir.Combine("pki", "front-proxy-client.key")}: the private key does not match the "
                + $"certificate {dir.Combine("pki", "front-proxy-client.crt")}; the renewal replaces it",
            run.Log.ToString()
        );
        using var key = run.Pki.ReadKey("front-proxy-client");
        Assert.True(key.Matches(run.Pki.ReadCert("front-proxy-client")));
    }

    [Fact]
    public void A_ca_that_cannot_sign_stops_the_run_before_any_file_is_replaced()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        // front-proxy-ca re-signed with its own key but expired before the run starts.
        var ca = CaLoader.Load(run.Pki, CertCatalog.FrontProxyCa);
        var expired = CertificateAuthority.SelfSign(
            TemplateBuilder.For(
                CertCatalog.FrontProxyCa.Resolve(run.Config),
                ClusterFixture.Start,
                TimeSpan.FromDays(1)
            ),
            ca.Key!
        );
        File.WriteAllText(run.Pki.CertPath("front-proxy-ca"), PemCodec.EncodeCertificate(expired));
        var before = TreeSnapshot.Of(dir.Path);

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).Renew(
                [run.Item("apiserver"), run.Item("front-proxy-client")],
                new RenewalOptions()
            )
        );

        Assert.Equal(
            $"cannot create a renewed front-proxy-client certificate: the front-proxy-ca certificate authority "
                + $"{run.Pki.CertPath("front-proxy-ca")} expired on "
                + $"{CertificateFacts.NotAfter(expired):yyyy-MM-dd HH:mm:ss} UTC",
            e.Message
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        Assert.Empty(Backups(dir));
    }

    [Fact]
    public void A_renewal_that_would_outlive_its_ca_is_clamped_with_a_warning()
    {
        using var dir = cluster.Copy();
        var run = Open(dir, validity: TimeSpan.FromDays(365 * 30));
        var caNotAfter = CertificateFacts.NotAfter(run.Pki.ReadCert("front-proxy-ca"));

        new Renewer(run.Context).Renew([run.Item("front-proxy-client")], new RenewalOptions());

        Assert.Equal(caNotAfter, CertificateFacts.NotAfter(run.Pki.ReadCert("front-proxy-client")));
        Assert.Contains(
            "[certs] WARNING: the front-proxy-client certificate would outlive the front-proxy-ca certificate "
                + $"authority; its NotAfter is set to the CA's, {caNotAfter:yyyy-MM-dd HH:mm:ss} UTC",
            run.Log.ToString()
        );
    }

    [Fact]
    public void A_missing_cert_dir_is_refused_also_in_a_dry_run_and_under_a_callers_replacer()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        using var replacer = FileReplacer.Open(
            DiskFileStore.Instance,
            new ReplacementScope(run.Config.CertificatesDir, run.Config.KubeconfigDir),
            new ReplacementPolicy(TimeSpan.Zero),
            TimeProvider.System,
            TextWriter.Null
        );
        using var other = new TempDir();
        var missing = other.Combine("pki");
        var elsewhere = Open(other);
        var item = elsewhere.Item("apiserver");

        var dryRun = Assert.Throws<KubePkiException>(() =>
            new Renewer(elsewhere.Context).Renew([item], new RenewalOptions { DryRun = true })
        );
        var underReplacer = Assert.Throws<KubePkiException>(() =>
            new Renewer(elsewhere.Context).Renew([item], new RenewalOptions(), replacer)
        );

        Assert.Equal($"cert dir {missing} does not exist; use --cert-dir", dryRun.Message);
        Assert.Equal($"cert dir {missing} does not exist; use --cert-dir", underReplacer.Message);
    }

    /// <summary>The item whose unit fails inside the store: its key is backed up, then the rename of its second file
    /// fails.</summary>
    private sealed record BlockedItem(RenewableItem Inner, string Blocked) : DelegatingItem(Inner)
    {
        internal override IReadOnlyList<FileWrite> Replacement(
            IFileStore store,
            X509Certificate2 certificate,
            PrivateKey key,
            string caBundlePem
        ) =>
            [
                Inner.Replacement(store, certificate, key, caBundlePem)[0],
                FileWrite.Text(Blocked, "x", FileModes.Public),
            ];
    }

    [Fact]
    public void A_run_whose_first_unit_fails_in_the_store_removes_its_backup()
    {
        using var dir = cluster.Copy();
        var blocked = dir.Combine("pki", "blocked.crt");
        Directory.CreateDirectory(Path.Combine(blocked, "inner"));
        var before = TreeSnapshot.Of(dir.Path);
        var run = Open(dir);

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).Renew([new BlockedItem(run.Item("apiserver"), blocked)], new RenewalOptions())
        );

        Assert.StartsWith(
            "renewing apiserver failed, its files are unchanged (nothing was renewed before it): "
                + $"cannot write {blocked}: ",
            e.Message
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        Assert.Empty(Backups(dir));
    }

    [Fact]
    public void Csr_only_takes_the_renewal_lock_except_in_a_dry_run()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        var scope = new ReplacementScope(run.Config.CertificatesDir, run.Config.KubeconfigDir);
        StateDirectory.Prepare(DiskFileStore.Instance, scope);
        using var held = RenewalLock.Acquire(DiskFileStore.Instance, scope, TimeSpan.Zero, TimeProvider.System);
        using var csrs = new TempDir();

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(run.Context).RenewCsrOnly([run.Item("apiserver")], csrs.Path, new RenewalOptions())
        );
        new Renewer(run.Context).RenewCsrOnly([run.Item("apiserver")], csrs.Path, new RenewalOptions { DryRun = true });

        Assert.Equal(
            $"another renewal is running (lock {scope.LockPath} is held); try again when it has finished",
            e.Message
        );
    }

    /// <summary>Records which key types a renewal asks for.</summary>
    private sealed class RecordingKeys : IKeyGenerator
    {
        public List<KeyAlgorithm> Asked { get; } = [];

        public PrivateKey Generate(KeyAlgorithm algorithm)
        {
            lock (Asked)
            {
                Asked.Add(algorithm);
            }
            return FixtureKeys.Shared.Generate(algorithm);
        }
    }

    [Fact]
    public void Without_a_configuration_each_item_keeps_its_key_type_with_one_its_algorithm_is_used()
    {
        using var dir = cluster.Copy();
        var keys = new RecordingKeys();
        var run = Open(dir, keys);

        new Renewer(run.Context).Renew([run.Item("front-proxy-client")], new RenewalOptions());
        var configured = new IssueContext(
            run.Config with
            {
                KeyAlgorithm = KeyAlgorithm.EcdsaP384,
            },
            run.Pki,
            keys,
            Later,
            run.Log
        );
        new Renewer(configured).Renew(
            [run.Item("apiserver-kubelet-client")],
            new RenewalOptions { ConfigGiven = true }
        );

        Assert.Equal([KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP384], keys.Asked);
        Assert.DoesNotContain("WARNING", run.Log.ToString());
    }

    [Fact]
    public void With_a_configuration_the_sans_it_asks_for_and_the_certificate_lacks_are_named()
    {
        using var dir = cluster.Copy();
        var run = Open(dir);
        var config = run.Config with
        {
            NodeName = "cp-1",
            AdvertiseAddress = "192.168.10.5",
            ApiServerCertSans = ["new.example", "10.9.9.9", "KUBERNETES"],
        };
        var context = new IssueContext(config, run.Pki, FixtureKeys.Shared, Later, run.Log);

        var result = new Renewer(context).Renew(
            [run.Item("apiserver"), run.Item("admin.conf")],
            new RenewalOptions { DryRun = true, ConfigGiven = true }
        );

        Assert.Equal(["apiserver", "admin.conf"], result.Renewed);
        var pki = dir.Combine("pki");
        Assert.Equal(
            "[renew] WARNING: the configuration asks for SANs the apiserver certificate lacks: new.example, "
                + "10.9.9.9. Renewal keeps the old SANs, as kubeadm does; to re-issue it with them, move "
                + $"{Path.Combine(pki, "apiserver.crt")} and {Path.Combine(pki, "apiserver.key")} out of {pki}, then "
                + "run 'kubepki init phase certs apiserver' with the same configuration",
            run.Log.ToString().Split(Environment.NewLine)[0]
        );
        Assert.Single(run.Log.ToString().Split(Environment.NewLine), l => l.Contains("WARNING"));
    }

    [Fact]
    public void The_key_type_is_prefetched_for_every_due_item_and_not_at_all_in_a_dry_run()
    {
        using var dir = cluster.Copy();
        var keys = new RecordingKeys();
        // One worker takes the keys in the order they were asked for.
        var prefetching = new PrefetchingKeyGenerator(keys, workers: 1);
        var run = Open(dir, prefetching);

        new Renewer(run.Context).Renew(
            [run.Item("front-proxy-client"), run.Item("apiserver")],
            new RenewalOptions { DryRun = true }
        );
        // Keys a dry run prefetched would be generated in the background. Rather than wait some time for them to show,
        // ask the same worker for a key of another type: once it is there, any key asked for before it has been too.
        prefetching.Prefetch(KeyAlgorithm.EcdsaP256, 1);
        prefetching.Generate(KeyAlgorithm.EcdsaP256).Dispose();
        Assert.Equal([KeyAlgorithm.EcdsaP256], keys.Asked);
        keys.Asked.Clear();
        new Renewer(run.Context).Renew([run.Item("front-proxy-client"), run.Item("apiserver")], new RenewalOptions());

        Assert.Equal([KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa2048], keys.Asked);
    }

    // Any odd number will do as the modulus of a public key: only its size is read.
    private static X509Certificate2 WithRsaModulus(int bits)
    {
        var modulus = RandomNumberGenerator.GetBytes(bits / 8);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = [1, 0, 1] });
        return Issued(new PublicKey(rsa));
    }

    private static X509Certificate2 Issued(PublicKey publicKey)
    {
        using var caKey = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        var template = new CertificateTemplate("k", [], false, [], [], [], Later, Later.AddDays(1));
        var ca = new CertificateAuthority(CertificateAuthority.SelfSign(template with { IsCa = true }, caKey), caKey);
        return ca.Issue(template, publicKey, out _);
    }

    [Theory]
    [InlineData(1024, KeyAlgorithm.Rsa2048)]
    [InlineData(2048, KeyAlgorithm.Rsa2048)]
    [InlineData(2056, KeyAlgorithm.Rsa3072)]
    [InlineData(3072, KeyAlgorithm.Rsa3072)]
    [InlineData(3080, KeyAlgorithm.Rsa4096)]
    [InlineData(4096, KeyAlgorithm.Rsa4096)]
    public void An_rsa_key_is_renewed_with_the_nearest_kubeadm_size_not_below_it(int bits, KeyAlgorithm expected)
    {
        var certificate = WithRsaModulus(bits);
        using var rsa = certificate.GetRSAPublicKey()!;
        Assert.Equal(bits, rsa.KeySize);

        Assert.Equal(expected, Renewer.ExistingKeyAlgorithm(certificate));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP384)]
    public void An_ecdsa_key_keeps_its_curve(KeyAlgorithm curve, KeyAlgorithm expected)
    {
        using var key = KeyGenerator.Instance.Generate(curve);

        Assert.Equal(expected, Renewer.ExistingKeyAlgorithm(Issued(key.PublicKey)));
    }
}
