using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>The phases of <c>ca rotate</c> on one node's files: what each phase makes of every trust anchor and every
/// leaf, that each phase run twice changes nothing the second time, and every refusal changes nothing at all.</summary>
public class CaRotationTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    private static void AssertRefusedUnchanged(TempDir dir, string expected, params string[] args)
    {
        var before = TreeSnapshot.Of(dir.Path);
        CliAssert.OneLineError(Rotate(dir, args), expected);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void Start_issue_finish_move_every_anchor_and_leaf_and_each_phase_run_again_changes_nothing()
    {
        using var dir = fixture.Copy();
        var caCrt = dir.Combine("pki", "ca.crt");
        var old = Cert(caCrt);
        var oldKey = File.ReadAllText(dir.Combine("pki", "ca.key"));
        var leavesBefore = SignedByCa(dir).ToDictionary(s => s.Path, s => s.Cert);

        // Phase 1: both trusted, old first; nothing re-signed; the new CA kept beside the PKI with its key 0600.
        var start = RotateOk(dir, "start", "ca");
        Assert.Contains("ca is now in phase 1", start.Out);
        Assert.Contains("kubepki ca rotate start ca --new-ca-cert", start.Out);
        Assert.Contains("kube-root-ca.crt", start.Out);
        var rotation = dir.Combine("pki", "ca-rotation", "ca");
        var @new = Cert(Path.Combine(rotation, "new-ca.crt"));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(Path.Combine(rotation, "new-ca.key"))
        );
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(rotation)
        );
        Assert.Equal(old.SubjectName.RawData, @new.SubjectName.RawData);
        Assert.NotNull(CertificateAuthority.SubjectKeyIdOf(@new));
        Assert.IsAssignableFrom<ECDsa>(@new.GetECDsaPublicKey());
        Assert.Equal(TimeSpan.FromHours(87600) + TimeSpan.FromMinutes(5), @new.NotAfter - @new.NotBefore);
        Assert.Equal([old.RawData, @new.RawData], Bundle(caCrt).Select(c => c.RawData));
        Assert.Equal(oldKey, File.ReadAllText(dir.Combine("pki", "ca.key")));
        foreach (var name in Kubeconfigs)
        {
            Assert.Equal([old.RawData, @new.RawData], KubeconfigTrust(dir.Combine(name)).Select(c => c.RawData));
        }
        foreach (var (path, cert) in SignedByCa(dir))
        {
            Assert.True(Same(leavesBefore[path], cert), $"{path} was re-signed by start");
        }
        AssertRunAgainChangesNothing(dir, "start");
        Assert.Contains("old,new", RotateOk(dir, "status", "ca").Out);

        // Phase 2: the new CA signs; every leaf re-issued with its identity; anchors new + old.
        var issue = RotateOk(dir, "issue", "ca");
        Assert.Contains("ca is now in phase 2", issue.Out);
        Assert.Equal([@new.RawData, old.RawData], Bundle(caCrt).Select(c => c.RawData));
        foreach (var (path, cert) in SignedByCa(dir))
        {
            Assert.True(SignedBy(cert, @new), $"{path} is not signed by the new CA");
            var before = leavesBefore[path];
            Assert.Equal(before.SubjectName.RawData, cert.SubjectName.RawData);
            Assert.Equal(CertificateFacts.DnsNames(before), CertificateFacts.DnsNames(cert));
            Assert.Equal(CertificateFacts.IpAddresses(before), CertificateFacts.IpAddresses(cert));
            Assert.Equal(CertificateFacts.ExtendedKeyUsages(before), CertificateFacts.ExtendedKeyUsages(cert));
            Assert.Equal(
                CertificateAuthority.SubjectKeyIdOf(@new),
                cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single().KeyIdentifier!.Value.ToArray()
            );
        }
        foreach (var name in Kubeconfigs)
        {
            Assert.Equal([@new.RawData, old.RawData], KubeconfigTrust(dir.Combine(name)).Select(c => c.RawData));
        }
        Assert.True(Same(old, Cert(dir.Combine("pki", "front-proxy-ca.crt"))) is false);
        AssertEveryPairMatches(dir);
        AssertRunAgainChangesNothing(dir, "issue");

        // Phase 3: the new CA alone; the kept directory is gone.
        var finish = RotateOk(dir, "finish", "ca");
        Assert.Contains("ca is now in phase 0", finish.Out);
        Assert.Equal([@new.RawData], Bundle(caCrt).Select(c => c.RawData));
        foreach (var name in Kubeconfigs)
        {
            Assert.Equal([@new.RawData], KubeconfigTrust(dir.Combine(name)).Select(c => c.RawData));
        }
        Assert.False(Directory.Exists(dir.Combine("pki", "ca-rotation")));
        AssertEveryPairMatches(dir);
        Assert.Contains("nothing to finish", RotateOk(dir, "finish", "ca").Out);
    }

    [Fact]
    public void Check_expiration_works_in_every_phase_and_shows_the_ca_that_signs()
    {
        using var dir = fixture.Copy();
        string CaRow() =>
            CliRunner
                .Run(
                    Later,
                    null,
                    "certs",
                    "check-expiration",
                    "--cert-dir",
                    dir.Combine("pki"),
                    "--config",
                    dir.Combine("kubeadm.yaml"),
                    "--kubeconfig-dir",
                    dir.Path
                )
                .Out.Split('\n')
                .Single(l => l.StartsWith("ca ", StringComparison.Ordinal));
        var oldExpiry = Made.AddHours(87600)
            .ToString("MMM dd, yyyy", System.Globalization.CultureInfo.InvariantCulture);
        var newExpiry = Made.AddDays(1)
            .AddHours(87600)
            .ToString("MMM dd, yyyy", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(oldExpiry, CaRow());
        RotateOk(dir, "start", "ca");
        Assert.Contains(oldExpiry, CaRow());
        RotateOk(dir, "issue", "ca");
        Assert.Contains(newExpiry, CaRow());
        RotateOk(dir, "finish", "ca");
        Assert.Contains(newExpiry, CaRow());
    }

    [Fact]
    public void Abort_from_phase_2_puts_back_the_old_ca_alone_and_re_signs_the_leaves_with_it()
    {
        using var dir = fixture.Copy();
        var caCrt = File.ReadAllBytes(dir.Combine("pki", "ca.crt"));
        var caKey = File.ReadAllBytes(dir.Combine("pki", "ca.key"));
        var old = Cert(dir.Combine("pki", "ca.crt"));
        RotateOk(dir, "start", "ca");
        RotateOk(dir, "issue", "ca");
        var abort = RotateOk(dir, "abort", "ca");
        Assert.Contains("ca is now in phase 0", abort.Out);
        Assert.Equal(caCrt, File.ReadAllBytes(dir.Combine("pki", "ca.crt")));
        Assert.Equal(caKey, File.ReadAllBytes(dir.Combine("pki", "ca.key")));
        foreach (var (path, cert) in SignedByCa(dir))
        {
            Assert.True(SignedBy(cert, old), $"{path} is not signed by the old CA after abort");
        }
        foreach (var name in Kubeconfigs)
        {
            Assert.Equal([old.RawData], KubeconfigTrust(dir.Combine(name)).Select(c => c.RawData));
        }
        Assert.False(Directory.Exists(dir.Combine("pki", "ca-rotation")));
        AssertEveryPairMatches(dir);
    }

    [Fact]
    public void Abort_from_phase_1_restores_the_anchors_byte_for_byte()
    {
        using var dir = fixture.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        RotateOk(dir, "start", "etcd-ca");
        Assert.Equal(2, Bundle(dir.Combine("pki", "etcd", "ca.crt")).Count);
        RotateOk(dir, "abort", "etcd-ca");
        var after = TreeSnapshot.Of(dir.Path);
        foreach (var (path, hash) in before.Files)
        {
            Assert.True(hash == after.Files[path], $"{path} differs after abort");
        }
    }

    [Fact]
    public void Finish_is_refused_naming_each_file_still_signed_by_the_old_ca()
    {
        using var dir = fixture.Copy();
        var oldServer = (
            File.ReadAllBytes(dir.Combine("pki", "front-proxy-client.crt")),
            File.ReadAllBytes(dir.Combine("pki", "front-proxy-client.key"))
        );
        RotateOk(dir, "start", "front-proxy-ca");
        AssertRefusedUnchanged(dir, "is in phase 1", "finish", "front-proxy-ca");
        RotateOk(dir, "issue", "front-proxy-ca");
        File.WriteAllBytes(dir.Combine("pki", "front-proxy-client.crt"), oldServer.Item1);
        File.WriteAllBytes(dir.Combine("pki", "front-proxy-client.key"), oldServer.Item2);
        AssertRefusedUnchanged(
            dir,
            $"cannot finish the rotation of front-proxy-ca: still signed by the old CA: "
                + $"{dir.Combine("pki", "front-proxy-client.crt")}",
            "finish",
            "front-proxy-ca"
        );
        RotateOk(dir, "issue", "front-proxy-ca");
        RotateOk(dir, "finish", "front-proxy-ca");
    }

    [Fact]
    public void Certs_renew_during_a_rotation_keeps_both_cas_in_the_kubeconfig()
    {
        using var dir = fixture.Copy();
        RotateOk(dir, "start", "ca");
        var trusted = Bundle(dir.Combine("pki", "ca.crt")).Select(c => c.RawData).ToList();
        var renew = CliRunner.Run(
            Later,
            null,
            "certs",
            "renew",
            "admin.conf",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path,
            "--config",
            dir.Combine("kubeadm.yaml")
        );
        Assert.True(renew.ExitCode == 0, renew.All);
        Assert.Equal(2, trusted.Count);
        Assert.Equal(trusted, KubeconfigTrust(dir.Combine("admin.conf")).Select(c => c.RawData));
    }

    [Fact]
    public void Restart_control_plane_is_checked_before_the_phase_changes_anything()
    {
        using var dir = fixture.Copy();
        AssertRefusedUnchanged(
            dir,
            $"--manifests-dir {dir.Combine("manifests")}: no such directory",
            "start",
            "ca",
            "--restart-control-plane",
            "--manifests-dir",
            dir.Combine("manifests")
        );
    }

    [Fact]
    public void Issue_before_start_is_refused_and_changes_nothing()
    {
        using var dir = fixture.Copy();
        AssertRefusedUnchanged(
            dir,
            "no rotation of ca is under way: run `kubepki ca rotate start ca` first",
            "issue",
            "ca"
        );
    }

    [Fact]
    public void External_ca_mode_is_refused_with_kubeadms_wording_and_nothing_changes()
    {
        using var dir = fixture.Copy();
        File.Delete(dir.Combine("pki", "front-proxy-ca.key"));
        AssertRefusedUnchanged(
            dir,
            "Detected external front-proxy-ca, self-signed CA to provision identities for "
                + "front proxy can't be rotated",
            "start",
            "front-proxy-ca"
        );
    }

    [Fact]
    public void An_imported_ca_must_have_a_subject_key_identifier_a_matching_key_and_a_new_key()
    {
        using var dir = fixture.Copy();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kubernetes", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var noSki = request.CreateSelfSigned(Later.GetUtcNow().AddMinutes(-5), Later.GetUtcNow().AddYears(10));
        File.WriteAllText(dir.Combine("no-ski.crt"), noSki.ExportCertificatePem());
        File.WriteAllText(dir.Combine("no-ski.key"), key.ExportECPrivateKeyPem());
        AssertRefusedUnchanged(
            dir,
            $"--new-ca-cert {dir.Combine("no-ski.crt")}: the certificate has no " + $"SubjectKeyIdentifier",
            "start",
            "ca",
            "--new-ca-cert",
            dir.Combine("no-ski.crt"),
            "--new-ca-key",
            dir.Combine("no-ski.key")
        );
        AssertRefusedUnchanged(
            dir,
            $"--new-ca-key {dir.Combine("pki", "front-proxy-ca.key")}: the private key does "
                + $"not match the certificate",
            "start",
            "ca",
            "--new-ca-cert",
            dir.Combine("no-ski.crt"),
            "--new-ca-key",
            dir.Combine("pki", "front-proxy-ca.key")
        );
        AssertRefusedUnchanged(
            dir,
            "a rotation needs a new key",
            "start",
            "ca",
            "--new-ca-cert",
            dir.Combine("pki", "ca.crt"),
            "--new-ca-key",
            dir.Combine("pki", "ca.key")
        );
    }

    [Fact]
    public void Start_imports_the_given_ca_and_refuses_another_one_while_a_rotation_is_under_way()
    {
        using var dir = fixture.Copy();
        using var other = new TempDir("kubepki-other-ca");
        // A CA made elsewhere by kubepki: same subject, its own key, a SubjectKeyIdentifier.
        Assert.Equal(
            0,
            CliRunner
                .Run(
                    Later,
                    null,
                    "init",
                    "phase",
                    "certs",
                    "ca",
                    "--cert-dir",
                    other.Combine("pki"),
                    "--config",
                    dir.Combine("kubeadm.yaml")
                )
                .ExitCode
        );
        Assert.Equal(
            0,
            CliRunner
                .Run(
                    Later,
                    null,
                    "init",
                    "phase",
                    "certs",
                    "front-proxy-ca",
                    "--cert-dir",
                    other.Combine("pki"),
                    "--config",
                    dir.Combine("kubeadm.yaml")
                )
                .ExitCode
        );
        RotateOk(
            dir,
            "start",
            "ca",
            "--new-ca-cert",
            other.Combine("pki", "ca.crt"),
            "--new-ca-key",
            other.Combine("pki", "ca.key")
        );
        Assert.Equal(
            File.ReadAllText(other.Combine("pki", "ca.crt")),
            File.ReadAllText(dir.Combine("pki", "ca-rotation", "ca", "new-ca.crt"))
        );
        RotateOk(
            dir,
            "start",
            "ca",
            "--new-ca-cert",
            other.Combine("pki", "ca.crt"),
            "--new-ca-key",
            other.Combine("pki", "ca.key")
        );
        AssertRefusedUnchanged(
            dir,
            "a rotation of ca to another new CA",
            "start",
            "ca",
            "--new-ca-cert",
            other.Combine("pki", "front-proxy-ca.crt"),
            "--new-ca-key",
            other.Combine("pki", "front-proxy-ca.key")
        );
    }

    [Fact]
    public void Status_reports_the_phase_both_cas_and_each_file_as_json_and_yaml()
    {
        using var dir = fixture.Copy();
        RotateOk(dir, "start", "front-proxy-ca");
        RotateOk(dir, "issue", "front-proxy-ca");
        var json = System
            .Text.Json.JsonDocument.Parse(RotateOk(dir, "status", "front-proxy-ca", "-o", "json").Out)
            .RootElement;
        Assert.Equal(2, json.GetProperty("phase").GetInt32());
        Assert.Equal(
            ["old", "new"],
            json.GetProperty("certificateAuthorities").EnumerateArray().Select(c => c.GetProperty("role").GetString())
        );
        var fingerprint = Convert.ToHexString(
            SHA256.HashData(Cert(dir.Combine("pki", "ca-rotation", "front-proxy-ca", "new-ca.crt")).RawData)
        );
        Assert.Equal(
            fingerprint,
            json.GetProperty("certificateAuthorities")[1].GetProperty("sha256Fingerprint").GetString()
        );
        var files = json.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal(
            ["new", "old"],
            files[dir.Combine("pki", "front-proxy-ca.crt")]
                .GetProperty("trusts")
                .EnumerateArray()
                .Select(t => t.GetString())
        );
        Assert.Equal("new", files[dir.Combine("pki", "front-proxy-client.crt")].GetProperty("signedBy").GetString());
        var yaml = RotateOk(dir, "status", "front-proxy-ca", "-o", "yaml").Out;
        Assert.Contains("phase: 2\n", yaml);
        Assert.Contains($"- path: {dir.Combine("pki", "front-proxy-client.crt")}\n  signedBy: new\n", yaml);
    }

    [Fact]
    public void Dry_run_changes_nothing()
    {
        using var dir = fixture.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var result = RotateOk(dir, "start", "ca", "--dry-run");
        Assert.Contains("[dryrun] Would write file", result.Out);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        RotateOk(dir, "start", "ca");
        before = TreeSnapshot.Of(dir.Path);
        RotateOk(dir, "issue", "ca", "--dry-run");
        RotateOk(dir, "abort", "ca", "--dry-run");
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    private static void AssertRunAgainChangesNothing(TempDir dir, string phase)
    {
        var before = TreeSnapshot.Of(dir.Path);
        var again = RotateOk(dir, phase, "ca");
        Assert.Contains("nothing to change", again.Out);
        var after = TreeSnapshot.Of(dir.Path);
        foreach (var (path, hash) in before.Files)
        {
            Assert.True(after.Files.TryGetValue(path, out var now) && now == hash, $"{phase} run again changed {path}");
        }
    }
}
