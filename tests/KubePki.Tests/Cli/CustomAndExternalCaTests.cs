using System.Globalization;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>User-provided certificates are never overwritten, are checked before reuse, and external CA mode works
/// without CA keys. Every failure is one line, exit 1, and the tree is unchanged.</summary>
public class CustomAndExternalCaTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start.AddDays(1));

    private static CliRunner.Result Certs(TempDir dir, params string[] extra) =>
        CliRunner.Run(
            Clock,
            null,
            [
                "init",
                "phase",
                "certs",
                "all",
                "--cert-dir",
                dir.Combine("pki"),
                "--config",
                dir.Combine("kubeadm.yaml"),
                .. extra,
            ]
        );

    private static CliRunner.Result Kubeconfigs(TempDir dir) =>
        CliRunner.Run(
            Clock,
            null,
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path,
            "--config",
            dir.Combine("kubeadm.yaml")
        );

    private void AssertFailsUnchanged(TempDir dir, Func<CliRunner.Result> run, string expectedError)
    {
        var before = TreeSnapshot.Of(dir.Path);
        CliAssert.OneLineError(run(), expectedError);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void An_existing_ca_signs_the_missing_leaves_and_is_not_touched()
    {
        using var dir = cluster.Copy();
        foreach (var leaf in new[] { "apiserver", "front-proxy-client", "etcd/server" })
        {
            File.Delete(dir.Combine("pki", leaf + ".crt"));
            File.Delete(dir.Combine("pki", leaf + ".key"));
        }
        var caBefore = File.ReadAllBytes(dir.Combine("pki", "ca.crt"));
        var result = Certs(dir);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[certs] Generating \"apiserver\" certificate and key", result.Out);
        Assert.Contains("[certs] Using existing ca certificate authority", result.Out);
        Assert.Equal(caBefore, File.ReadAllBytes(dir.Combine("pki", "ca.crt")));
    }

    [Fact]
    public void A_leaf_whose_key_does_not_match_is_refused()
    {
        using var dir = cluster.Copy();
        File.Copy(dir.Combine("pki", "front-proxy-client.key"), dir.Combine("pki", "apiserver.key"), overwrite: true);
        AssertFailsUnchanged(
            dir,
            () => Certs(dir),
            $"{dir.Combine("pki", "apiserver.key")}: the private key does not match the certificate "
                + $"{dir.Combine("pki", "apiserver.crt")}"
        );
    }

    [Theory]
    [InlineData("front-proxy-client", "apiserver-kubelet-client", "certificate {0} is not signed by corresponding CA")]
    [InlineData("apiserver", "front-proxy-ca", "{0}: front-proxy-ca certificate is not a certificate authority")]
    public void A_pair_copied_over_another_is_refused_by_what_it_is(string source, string target, string expected)
    {
        using var dir = cluster.Copy();
        foreach (var extension in new[] { ".crt", ".key" })
        {
            File.Copy(dir.Combine("pki", source + extension), dir.Combine("pki", target + extension), overwrite: true);
        }
        AssertFailsUnchanged(
            dir,
            () => Certs(dir),
            string.Format(CultureInfo.InvariantCulture, expected, dir.Combine("pki", target + ".crt"))
        );
    }

    [Fact]
    public void A_serving_cert_missing_a_required_san_is_refused()
    {
        using var dir = cluster.Copy();
        AssertFailsUnchanged(
            dir,
            () => Certs(dir, "--apiserver-cert-extra-sans", "api.new.example"),
            $"certificate {dir.Combine("pki", "apiserver.crt")} is invalid: it is not valid for the configured DNS "
                + $"name api.new.example"
        );
    }

    [Fact]
    public void A_missing_default_san_only_warns_and_the_cert_is_reused_as_kubeadm_does()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var result = Certs(dir, "--apiserver-advertise-address", "192.168.10.6");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            $"WARNING: certificate {dir.Combine("pki", "apiserver.crt")} is not valid for the IP address "
                + $"192.168.10.6 that kubeadm would include now; it is reused as kubeadm does",
            result.Out
        );
        Assert.Contains("[certs] Using existing apiserver certificate and key on disk", result.Out);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void Malformed_pem_is_refused_naming_the_file()
    {
        using var dir = cluster.Copy();
        File.WriteAllText(
            dir.Combine("pki", "etcd", "peer.crt"),
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"
        );
        AssertFailsUnchanged(dir, () => Certs(dir), dir.Combine("pki", "etcd", "peer.crt"));
    }

    [Fact]
    public void An_expired_ca_cannot_sign()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "apiserver.crt"));
        File.Delete(dir.Combine("pki", "apiserver.key"));
        var later = new FakeTimeProvider(ClusterFixture.Start.AddYears(11));
        AssertFailsUnchanged(
            dir,
            () =>
                CliRunner.Run(
                    later,
                    null,
                    "init",
                    "phase",
                    "certs",
                    "all",
                    "--cert-dir",
                    dir.Combine("pki"),
                    "--config",
                    dir.Combine("kubeadm.yaml")
                ),
            "cannot create the apiserver certificate: the ca certificate authority"
        );
    }

    [Fact]
    public void An_unwritable_directory_is_a_clear_error()
    {
        using var dir = new TempDir();
        ClusterFixture.WriteConfig(dir.Combine("kubeadm.yaml"));
        File.WriteAllText(dir.Combine("pki"), "a file where the cert dir should be");
        AssertFailsUnchanged(dir, () => Certs(dir), "cannot write");
    }

    [Fact]
    public void External_ca_mode_uses_the_keyless_ca_and_writes_nothing()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "ca.key"));
        var before = TreeSnapshot.Of(dir.Path);
        var certs = Certs(dir);
        Assert.Equal(0, certs.ExitCode);
        Assert.Contains("[certs] Using existing ca keyless certificate authority", certs.Out);
        Assert.Contains("[certs] Using existing sa keys", certs.Out);
        var kubeconfigs = Kubeconfigs(dir);
        Assert.Equal(0, kubeconfigs.ExitCode);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void External_ca_mode_with_a_missing_leaf_is_invalid_or_incomplete()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "ca.key"));
        File.Delete(dir.Combine("pki", "apiserver.crt"));
        AssertFailsUnchanged(
            dir,
            () => Certs(dir),
            "invalid or incomplete external CA: could not load expected certificate"
        );
    }

    [Fact]
    public void External_ca_mode_with_a_missing_kubeconfig_fails()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "ca.key"));
        File.Delete(dir.Combine("scheduler.conf"));
        AssertFailsUnchanged(
            dir,
            () => Kubeconfigs(dir),
            $"the {dir.Combine("scheduler.conf")} file does not exists or it is not valid"
        );
    }

    [Fact]
    public void A_kubeconfig_with_another_ca_is_refused()
    {
        using var dir = cluster.Copy();
        using var other = new TempDir();
        Assert.Equal(0, CliRunner.Run(Clock, null, "init", "phase", "certs", "ca", "--cert-dir", other.Path).ExitCode);
        File.Copy(other.Combine("ca.crt"), dir.Combine("pki", "ca.crt"), overwrite: true);
        File.Copy(other.Combine("ca.key"), dir.Combine("pki", "ca.key"), overwrite: true);
        AssertFailsUnchanged(
            dir,
            () => Kubeconfigs(dir),
            $"a kubeconfig file \"{dir.Combine("admin.conf")}\" exists already but has got the wrong CA cert"
        );
    }

    [Fact]
    public void Unparseable_sa_key_is_refused()
    {
        using var dir = cluster.Copy();
        File.WriteAllText(dir.Combine("pki", "sa.key"), "garbage");
        AssertFailsUnchanged(
            dir,
            () => CliRunner.Run(Clock, null, "init", "phase", "certs", "sa", "--cert-dir", dir.Combine("pki")),
            "file sa.key existed but it could not be loaded properly"
        );
    }
}
