using System.Security.Cryptography;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Rotation;
using KubePki.Storage;
using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>The library's way in to a rotation: which CA (<see cref="ClusterCa"/>) and how
/// (<see cref="CaRotationOptions"/>).</summary>
public class CaRotationOptionsTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    private static IssueContext Context(TempDir dir)
    {
        var config = ClusterConfigResolver.Resolve(
            new ConfigOverrides
            {
                ConfigPath = dir.Combine("kubeadm.yaml"),
                CertificatesDir = dir.Combine("pki"),
                KubeconfigDir = dir.Path,
            },
            TextWriter.Null
        );
        return new IssueContext(
            config,
            new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance),
            FixtureKeys.Shared,
            Later.GetUtcNow(),
            TextWriter.Null
        );
    }

    [Theory]
    [InlineData(ClusterCa.Ca, "ca", "ca.crt")]
    [InlineData(ClusterCa.FrontProxyCa, "front-proxy-ca", "front-proxy-ca.crt")]
    [InlineData(ClusterCa.EtcdCa, "etcd-ca", "etcd/ca.crt")]
    public void Each_cluster_ca_is_the_ca_of_its_catalog_name(ClusterCa ca, string name, string certFile)
    {
        using var dir = fixture.Copy();

        var status = new CaRotation(Context(dir), ca).Status();

        Assert.Equal(name, status.Name);
        Assert.Equal(RotationPhase.None, status.Phase);
        var current = Assert.Single(status.Cas);
        Assert.Equal(
            Convert.ToHexString(SHA256.HashData(Cert(dir.Combine("pki", certFile)).RawData)),
            current.Sha256Fingerprint
        );
    }

    [Fact]
    public void The_names_the_cli_takes_parse_to_the_enum_and_others_are_refused()
    {
        Assert.Equal(ClusterCa.FrontProxyCa, ClusterCas.Parse("front-proxy-ca"));
        var e = Assert.Throws<KubePkiException>(() => ClusterCas.Parse("sa"));
        Assert.Equal("unknown certificate authority \"sa\"; expected one of: ca, front-proxy-ca, etcd-ca", e.Message);
        Assert.Equal(KubePkiErrorKind.InvalidInput, e.Kind);
    }

    [Fact]
    public void The_defaults_write_wait_for_no_lock_and_leave_the_manifests_alone()
    {
        var options = new CaRotationOptions();

        Assert.False(options.DryRun);
        Assert.Equal(TimeSpan.Zero, options.LockTimeout);
        Assert.Same(TimeProvider.System, options.Time);
        Assert.Null(options.ManifestsDir);
    }

    [Fact]
    public void A_dry_run_reports_the_phase_and_writes_nothing_while_the_defaults_write()
    {
        using var dir = fixture.Copy();
        var before = TreeSnapshot.Of(dir.Path);

        var dry = new CaRotation(Context(dir), ClusterCa.FrontProxyCa, new CaRotationOptions { DryRun = true }).Start(
            null
        );

        Assert.Equal(RotationPhase.Trusting, dry.Phase);
        Assert.NotEmpty(dry.Changed);
        before.AssertSame(TreeSnapshot.Of(dir.Path));

        var real = new CaRotation(Context(dir), ClusterCa.FrontProxyCa).Start(null);

        Assert.Equal(RotationPhase.Trusting, real.Phase);
        Assert.True(Directory.Exists(dir.Combine("pki", "ca-rotation", "front-proxy-ca")));
        Assert.Equal(2, Bundle(dir.Combine("pki", "front-proxy-ca.crt")).Count);
    }

    [Fact]
    public void With_no_lock_timeout_a_held_lock_is_refused_at_once_as_busy()
    {
        using var dir = fixture.Copy();
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        StateDirectory.Prepare(DiskFileStore.Instance, scope);
        using var held = FileLock.Acquire(scope.LockPath, TimeSpan.Zero, TimeProvider.System);
        var before = TreeSnapshot.Of(dir.Path);

        var e = Assert.Throws<KubePkiException>(() =>
            new CaRotation(Context(dir), ClusterCa.Ca, new CaRotationOptions { LockTimeout = TimeSpan.Zero }).Start(
                null
            )
        );

        Assert.Equal(KubePkiErrorKind.Busy, e.Kind);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void A_phase_out_of_order_is_a_conflict()
    {
        using var dir = fixture.Copy();

        var e = Assert.Throws<KubePkiException>(() => new CaRotation(Context(dir), ClusterCa.Ca).Issue());

        Assert.StartsWith("no rotation of ca is under way", e.Message);
        Assert.Equal(KubePkiErrorKind.Conflict, e.Kind);
    }
}
