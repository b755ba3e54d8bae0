using KubePki.GoText;
using KubePki.TestKit;
using KubePki.Tests.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>Configuration and input read safely: bad bytes, names and durations are refused with one line naming the
/// file, flag or field, before anything is written; --dry-run reports the same problems as the real run.</summary>
public class ConfigInputTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static CliRunner.Result InitCa(TempDir dir, params string[] args) =>
        CliRunner.Run(["init", "phase", "certs", "all", "--cert-dir", dir.Combine("pki"), .. args]);

    [Fact]
    public void A_config_that_is_not_utf8_is_refused_naming_the_file()
    {
        using var dir = new TempDir();
        var path = dir.Combine("kubeadm.yaml");
        var header = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: k"u8;
        File.WriteAllBytes(path, [.. header, 0xff, 0xfe, (byte)'\n']);
        CliAssert.OneLineError(InitCa(dir, "--config", path), path, "UTF-8");
        Assert.False(Directory.Exists(dir.Combine("pki")));
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData("bad name")]
    [InlineData("-x")]
    [InlineData("UPPER")]
    [InlineData("*")]
    public void A_node_name_that_is_not_dns_1123_is_refused(string name)
    {
        using var dir = new TempDir();
        CliAssert.OneLineError(
            CliRunner.Run(
                "init",
                "phase",
                "kubeconfig",
                "kubelet",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path,
                "--node-name",
                name,
                "--apiserver-advertise-address",
                "10.0.0.1"
            ),
            "--node-name",
            $"\"{name}\"",
            "RFC 1123"
        );
        CliAssert.OneLineError(
            InitCa(
                dir,
                "--config",
                ClusterFixture.WriteConfig(
                    dir.Combine("c.yaml"),
                    $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: "
                        + $"\"{name}\"\n"
                )
            ),
            "nodeRegistration.name",
            "RFC 1123"
        );
        Assert.False(Directory.Exists(dir.Combine("pki")));
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData("UPPER.local")]
    public void A_dns_domain_in_the_config_that_is_not_dns_1123_is_refused(string domain)
    {
        using var dir = new TempDir();
        CliAssert.OneLineError(
            InitCa(
                dir,
                "--config",
                ClusterFixture.WriteConfig(
                    dir.Combine("c.yaml"),
                    $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  dnsDomain: "
                        + $"\"{domain}\"\n"
                )
            ),
            "networking.dnsDomain",
            "RFC 1123"
        );
        Assert.False(Directory.Exists(dir.Combine("pki")));
    }

    [Fact]
    public void A_validity_longer_than_a_go_duration_can_hold_is_refused()
    {
        using var dir = new TempDir();
        CliAssert.OneLineError(
            InitCa(
                dir,
                "--config",
                ClusterFixture.WriteConfig(
                    dir.Combine("c.yaml"),
                    "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificateValidityPeriod: "
                        + "70000000h\n"
                )
            ),
            "certificateValidityPeriod",
            "70000000h"
        );
        Assert.False(Directory.Exists(dir.Combine("pki")));
        CliAssert.OneLineError(
            CliRunner.Run("certs", "renew", "all", "--cert-dir", dir.Combine("pki"), "--expiring-within", "70000000h"),
            "--expiring-within"
        );
    }

    [Theory]
    [InlineData("2562047h47m16.854775807s", true)]
    [InlineData("2562047h", true)]
    [InlineData("2562048h", false)]
    [InlineData("70000000h", false)]
    [InlineData("9223372036854775808ns", false)]
    public void Durations_are_bounded_as_go_bounds_them(string text, bool valid) =>
        Assert.Equal(valid, GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_alias_bomb_in_a_kubeconfig_stops_renewal_and_dry_run_says_the_same(bool dryRun)
    {
        using var dir = cluster.Copy();
        var admin = dir.Combine("admin.conf");
        File.WriteAllText(
            admin,
            File.ReadAllText(admin).Replace("preferences: {}\n", "preferences:\n" + HostileYamlTests.AliasBomb("  "))
        );
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start.AddDays(100)),
            null,
            [
                "certs",
                "renew",
                "all",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path,
                .. dryRun ? new[] { "--dry-run" } : [],
            ]
        );
        CliAssert.OneLineError(
            result,
            $"error: {admin}: not a valid kubeconfig: invalid YAML at line ",
            "once aliases are expanded"
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }
}
