using KubePki.Building;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>Flags, messages and exit codes of kubeadm's kubeconfig user, certs phases and check-expiration.</summary>
public class KubeadmParityTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static CliRunner.Result CheckExpiration(TempDir dir, params string[] flags) =>
        CliRunner.Run(
            Clock,
            null,
            ["certs", "check-expiration", "--cert-dir", dir.Combine("pki"), "--kubeconfig-dir", dir.Path, .. flags]
        );

    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start);

    private CliRunner.Result User(string configText, params string[] args)
    {
        using var dir = new TempDir();
        return CliRunner.Run(
            Clock,
            null,
            [
                "kubeconfig",
                "user",
                "--cert-dir",
                cluster.CertDir,
                "--config",
                ClusterFixture.WriteConfig(dir.Combine("c.yaml"), configText),
                .. args,
            ]
        );
    }

    [Fact]
    public void Kubeconfig_user_org_is_a_string_slice_as_in_kubeadm()
    {
        var result = User(ClusterFixture.Config, "--client-name", "alice", "--org", "a,b", "--org", "c");
        Assert.True(result.ExitCode == 0, result.All);
        var cert = PemCodec.DecodeCertificate(
            KubeconfigFile.Parse(result.Out, "stdout").ClientCertificatePem!,
            "stdout"
        );
        Assert.Equal(["a", "b", "c"], CertificateFacts.Organizations(cert));
    }

    [Fact]
    public void Kubeconfig_user_validity_defaults_to_8760h_whatever_the_config_says()
    {
        var result = User(ClusterFixture.Config + "\ncertificateValidityPeriod: 100h\n", "--client-name", "alice");
        Assert.True(result.ExitCode == 0, result.All);
        var cert = PemCodec.DecodeCertificate(
            KubeconfigFile.Parse(result.Out, "stdout").ClientCertificatePem!,
            "stdout"
        );
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddHours(8760), cert.NotAfter.ToUniversalTime());
        Assert.DoesNotContain("WARNING", result.Error);
    }

    [Fact]
    public void Kubeconfig_user_warns_above_the_default_validity()
    {
        var result = User(ClusterFixture.Config, "--client-name", "alice", "--validity-period", "9000h");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            "WARNING: the specified certificate validity period 9000h0m0s is longer than the default "
                + "duration 8760h0m0s, this may increase security risks.",
            result.Error
        );
    }

    [Fact]
    public void Kubeconfig_user_with_a_token_embeds_the_token_and_no_client_certificate()
    {
        var result = User(ClusterFixture.Config, "--client-name", "bob", "--token", "abcdef.0123456789abcdef");
        Assert.True(result.ExitCode == 0, result.All);
        var file = KubeconfigFile.Parse(result.Out, "stdout");
        Assert.Equal("bob@kubernetes", file.CurrentContext);
        Assert.Null(file.ClientCertificatePem);
        Assert.Null(file.ClientKeyPem);
        Assert.Contains("    token: abcdef.0123456789abcdef\n", result.Out);
        Assert.Equal(
            File.ReadAllText(Path.Combine(cluster.CertDir, "ca.crt")).Trim(),
            file.CertificateAuthorityPem!.Trim()
        );
    }

    [Fact]
    public void External_ca_mode_sa_phase_never_generates_keys()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "ca.key"));
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(Clock, null, "init", "phase", "certs", "sa", "--cert-dir", dir.Combine("pki"));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal("[certs] Using existing sa keys\n", result.Out);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Theory]
    [InlineData("sa", "sa.key")]
    [InlineData("sa", "sa.pub")]
    [InlineData("all", "sa.pub")]
    public void External_ca_mode_requires_the_sa_key_pair(string phase, string missing)
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "ca.key"));
        File.Delete(dir.Combine("pki", missing));
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(
            Clock,
            null,
            "init",
            "phase",
            "certs",
            phase,
            "--cert-dir",
            dir.Combine("pki"),
            "--config",
            cluster.ConfigPath
        );
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            "error: invalid or incomplete external CA: failure loading key for service account: ",
            result.Error
        );
        Assert.Contains(missing, result.Error);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        var check = CheckExpiration(dir);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("failure loading key for service account", check.Error);
    }

    [Theory]
    [InlineData("init", "phase", "certs", "all")]
    [InlineData("init", "phase", "certs", "apiserver")]
    [InlineData("init", "phase", "certs", "sa")]
    [InlineData("init", "phase", "kubeconfig", "all")]
    [InlineData("init", "phase", "kubeconfig", "kubelet")]
    [InlineData("init")]
    public void Kubernetes_version_is_accepted_where_kubeadm_accepts_it(params string[] command)
    {
        using var dir = cluster.Copy();
        string[] kubeconfigDir =
            command.Contains("kubeconfig") || command.Length == 1 ? ["--kubeconfig-dir", dir.Path] : [];
        var result = CliRunner.Run(
            Clock,
            null,
            [
                .. command,
                "--kubernetes-version",
                "v1.32.0",
                "--cert-dir",
                dir.Combine("pki"),
                "--config",
                cluster.ConfigPath,
                .. kubeconfigDir,
            ]
        );
        Assert.True(result.ExitCode == 0, result.All);
        var bad = CliRunner.Run(
            Clock,
            null,
            [.. command, "--kubernetes-version", "not a version", "--cert-dir", dir.Combine("pki")]
        );
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--kubernetes-version", bad.Error);
    }

    [Fact]
    public void Check_expiration_with_a_missing_ca_exits_non_zero()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "front-proxy-ca.crt"));
        var result = CheckExpiration(dir);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("!MISSING! front-proxy-ca", result.Out);
        Assert.Equal(
            $"error: missing certificate authority: front-proxy-ca "
                + $"({dir.Combine("pki", "front-proxy-ca.crt")})\n",
            result.Error
        );
    }

    [Fact]
    public void Check_expiration_of_an_empty_directory_exits_non_zero()
    {
        using var dir = new TempDir();
        var result = CliRunner.Run(
            Clock,
            null,
            "certs",
            "check-expiration",
            "--cert-dir",
            dir.Path,
            "--kubeconfig-dir",
            dir.Path,
            "--fail-within",
            "720h"
        );
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Fail_within_with_missing_certificates_exits_2_naming_them()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("pki", "apiserver.crt"));
        File.Delete(dir.Combine("scheduler.conf"));
        var result = CheckExpiration(dir, "--fail-within", "720h");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("missing: apiserver, scheduler.conf\n", result.Error);
        var without = CheckExpiration(dir);
        Assert.Equal(0, without.ExitCode);
    }

    [Fact]
    public void Fail_within_tolerates_a_missing_super_admin_conf_which_only_the_first_control_plane_node_has()
    {
        using var dir = cluster.Copy();
        File.Delete(dir.Combine("super-admin.conf"));
        var result = CheckExpiration(dir, "--fail-within", "720h");
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Theory]
    [InlineData("JSON", "\"kind\": \"CertificateExpirationInfo\"")]
    [InlineData("Yaml", "kind: CertificateExpirationInfo")]
    [InlineData("text", "CERTIFICATE AUTHORITY")]
    public void Output_format_json_and_yaml_in_any_case_as_kubeadm_printers(string format, string expected)
    {
        var result = CliRunner.Run(
            Clock,
            null,
            "certs",
            "check-expiration",
            "--cert-dir",
            cluster.CertDir,
            "--kubeconfig-dir",
            cluster.Root,
            "-o",
            format
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(expected, result.Out);
    }

    [Fact]
    public void Certs_all_names_the_certificate_dir_as_kubeadm_does()
    {
        using var dir = cluster.Copy();
        var result = CliRunner.Run(
            Clock,
            null,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            dir.Combine("pki"),
            "--config",
            cluster.ConfigPath
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.StartsWith($"[certs] Using certificateDir folder \"{dir.Combine("pki")}\"\n", result.Out);
    }

    [Theory]
    [InlineData("init", "phase", "certs", "sa")]
    [InlineData("certs", "generate-csr")]
    public void Commands_that_use_no_address_do_not_report_one(params string[] command)
    {
        using var dir = new TempDir();
        var result = CliRunner.Run(
            Clock,
            null,
            [
                .. command,
                "--cert-dir",
                dir.Combine("pki"),
                .. command[0] == "certs" ? new[] { "--kubeconfig-dir", dir.Path } : [],
            ]
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("advertise address", result.All);
    }

    [Fact]
    public void Without_a_default_route_the_advertise_address_is_kubeadms_with_its_warning()
    {
        using var dir = new TempDir();
        var ipv4 = dir.Combine("route");
        var ipv6 = dir.Combine("ipv6_route");
        File.WriteAllText(
            ipv4,
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                + "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        );
        File.WriteAllText(ipv6, "");
        var (address, message) = HostDefaults.AdvertiseAddress(ipv4, ipv6);
        Assert.Equal("0.0.0.0", address);
        Assert.Equal(
            $"WARNING: could not obtain a bind address for the API Server: no default routes found in "
                + $"\"{ipv4}\" or \"{ipv6}\"; using: 0.0.0.0",
            message
        );
    }
}
