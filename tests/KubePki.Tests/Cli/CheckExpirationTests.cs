using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class CheckExpirationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static CliRunner.Result Check(DateTimeOffset now, string root, params string[] extra) =>
        CliRunner.Run(
            new FakeTimeProvider(now),
            null,
            ["certs", "check-expiration", "--cert-dir", Path.Combine(root, "pki"), "--kubeconfig-dir", root, .. extra]
        );

    /// <summary>End to end on a tree kubepki made; the layout it expects is the one real kubeadm printed
    /// (<see cref="KubeadmOutputTests"/>, against published outputs).</summary>
    [Fact]
    public void Text_output_is_kubeadms_tables_byte_for_byte()
    {
        var result = Check(ClusterFixture.Start.AddSeconds(30), cluster.Root);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
            admin.conf                 Mar 01, 2027 12:00 UTC   364d            ca                      no      
            apiserver                  Mar 01, 2027 12:00 UTC   364d            ca                      no      
            apiserver-etcd-client      Mar 01, 2027 12:00 UTC   364d            etcd-ca                 no      
            apiserver-kubelet-client   Mar 01, 2027 12:00 UTC   364d            ca                      no      
            controller-manager.conf    Mar 01, 2027 12:00 UTC   364d            ca                      no      
            etcd-healthcheck-client    Mar 01, 2027 12:00 UTC   364d            etcd-ca                 no      
            etcd-peer                  Mar 01, 2027 12:00 UTC   364d            etcd-ca                 no      
            etcd-server                Mar 01, 2027 12:00 UTC   364d            etcd-ca                 no      
            front-proxy-client         Mar 01, 2027 12:00 UTC   364d            front-proxy-ca          no      
            scheduler.conf             Mar 01, 2027 12:00 UTC   364d            ca                      no      
            super-admin.conf           Mar 01, 2027 12:00 UTC   364d            ca                      no      

            CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
            ca                      Feb 27, 2036 12:00 UTC   9y              no      
            etcd-ca                 Feb 27, 2036 12:00 UTC   9y              no      
            front-proxy-ca          Feb 27, 2036 12:00 UTC   9y              no      

            """,
            result.Out
        );
    }

    [Fact]
    public void Missing_files_and_keyless_cas_are_shown_as_kubeadm_does()
    {
        using var dir = cluster.Copy();
        File.Delete(Path.Combine(dir.Path, "super-admin.conf"));
        File.Delete(Path.Combine(dir.Path, "pki", "front-proxy-ca.key"));
        var result = Check(ClusterFixture.Start, dir.Path);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n');
        Assert.Equal(
            "!MISSING! super-admin.conf                                                                    ",
            lines[11]
        );
        Assert.Equal(
            "front-proxy-client           Mar 01, 2027 12:00 UTC   1y              front-proxy-ca          yes     ",
            lines[9]
        );
        Assert.Equal("front-proxy-ca          Feb 27, 2036 12:00 UTC   10y             yes     ", lines[16]);
    }

    [Theory]
    [InlineData(
        KubeadmFixtures.V129,
        "admin.conf                 Feb 03, 2025 07:54 UTC   <invalid>       ca                      no      ",
        "ca                      Feb 01, 2034 07:54 UTC   7y              no      "
    )]
    [InlineData(
        KubeadmFixtures.V123,
        "!MISSING! super-admin.conf                                                                    ",
        "front-proxy-ca          Feb 19, 2032 10:21 UTC   5y              no      "
    )]
    [InlineData(
        KubeadmFixtures.V111,
        "etcd-peer                    Sep 06, 2019 10:41 UTC   <invalid>       etcd-ca                 no      ",
        "etcd-ca                 Sep 03, 2028 10:41 UTC   1y              no      "
    )]
    public void Real_kubeadm_trees_are_reported(string tree, string certLine, string caLine)
    {
        var result = Check(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), KubeadmFixtures.PathOf(tree));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(certLine + "\n", result.Out);
        Assert.Contains(caLine + "\n", result.Out);
        Assert.Equal(18, result.Out.Split('\n').Length); // header + 11 + blank + header + 3, then the final newline
    }

    [Fact]
    public void Json_output_is_certificate_expiration_info()
    {
        using var dir = cluster.Copy();
        File.Delete(Path.Combine(dir.Path, "scheduler.conf"));
        var result = Check(ClusterFixture.Start, dir.Path, "-o", "json");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(
            """
            {
                "kind": "CertificateExpirationInfo",
                "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                "certificates": [
                    {
                        "name": "admin.conf",
                        "expirationDate": "2027-03-01T12:00:00Z",
                        "residualTime": 31536000,
                        "externallyManaged": false,
                        "caName": "ca",
                        "missing": false
                    },
            """,
            result.Out
        );
        Assert.Contains(
            """
                    {
                        "name": "scheduler.conf",
                        "expirationDate": null,
                        "residualTime": 0,
                        "externallyManaged": false,
                        "missing": true
                    },
            """,
            result.Out
        );
        Assert.EndsWith("    ]\n}\n", result.Out);
    }

    [Fact]
    public void Yaml_output_has_sorted_keys_and_the_same_data()
    {
        var result = Check(ClusterFixture.Start, cluster.Root, "--experimental-output", "yaml");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(
            """
            apiVersion: output.kubeadm.k8s.io/v1alpha3
            certificateAuthorities:
            - expirationDate: "2036-02-27T12:00:00Z"
              externallyManaged: false
              missing: false
              name: ca
              residualTime: 315360000
            """,
            result.Out
        );
        Assert.Contains("- caName: etcd-ca\n  expirationDate: \"2027-03-01T12:00:00Z\"\n", result.Out);
        Assert.EndsWith("kind: CertificateExpirationInfo\n", result.Out);
    }

    [Fact]
    public void Fail_within_exits_2_and_names_what_expires()
    {
        var ok = Check(ClusterFixture.Start, cluster.Root, "--fail-within", "720h");
        Assert.Equal(0, ok.ExitCode);
        var late = Check(ClusterFixture.Start.AddDays(340), cluster.Root, "--fail-within", "720h");
        Assert.Equal(2, late.ExitCode);
        Assert.Equal(
            "expiring within 720h0m0s: admin.conf, apiserver, apiserver-etcd-client, apiserver-kubelet-client, "
                + "controller-manager.conf, etcd-healthcheck-client, etcd-peer, etcd-server, front-proxy-client, "
                + "scheduler.conf, super-admin.conf\n",
            late.Error
        );
    }

    [Fact]
    public void Include_kubelet_adds_its_client_and_serving_certs()
    {
        using var dir = cluster.Copy();
        var kubelet = Directory.CreateDirectory(Path.Combine(dir.Path, "kubelet-pki")).FullName;
        File.Copy(
            Path.Combine(dir.Path, "pki", "apiserver-kubelet-client.crt"),
            Path.Combine(kubelet, "kubelet-client-current.pem")
        );
        var result = Check(ClusterFixture.Start, dir.Path, "--include-kubelet", "--kubelet-dir", kubelet);
        Assert.Equal(0, result.ExitCode);
        var row = result.Out.Split('\n').Single(l => l.StartsWith("kubelet-client ", StringComparison.Ordinal));
        Assert.Equal(
            ["kubelet-client", "Mar 01, 2027 12:00 UTC", "1y", "ca", "no"],
            row.Split("   ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        );
        Assert.Contains("!MISSING! kubelet-serving", result.Out);
    }

    [Fact]
    public void A_corrupt_file_fails_the_command_naming_it()
    {
        using var dir = cluster.Copy();
        File.WriteAllText(
            Path.Combine(dir.Path, "controller-manager.conf"),
            "apiVersion: v1\nkind: Config\n  users: [\n"
        );
        var result = Check(ClusterFixture.Start, dir.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            $"error: {Path.Combine(dir.Path, "controller-manager.conf")}: not a valid kubeconfig",
            result.Error
        );
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
