using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class KubeconfigTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start);

    [Theory]
    [InlineData("admin.conf", "kubernetes-admin", "kubeadm:cluster-admins", "https://192.168.10.5:6443")]
    [InlineData("super-admin.conf", "kubernetes-super-admin", "system:masters", "https://192.168.10.5:6443")]
    [InlineData("kubelet.conf", "system:node:cp-1", "system:nodes", "https://192.168.10.5:6443")]
    [InlineData("controller-manager.conf", "system:kube-controller-manager", "", "https://192.168.10.5:6443")]
    [InlineData("scheduler.conf", "system:kube-scheduler", "", "https://192.168.10.5:6443")]
    public void Layout_names_and_identity_are_kubeadms(string file, string user, string org, string server)
    {
        var text = File.ReadAllText(Path.Combine(cluster.Root, file));
        var masked = string.Join(
            '\n',
            text.Split('\n').Select(l => l.Contains("-data: ") ? l[..(l.IndexOf("-data: ") + 7)] + "X" : l)
        );
        Assert.Equal(
            $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: X
                server: {server}
              name: kubernetes
            contexts:
            - context:
                cluster: kubernetes
                user: {user}
              name: {user}@kubernetes
            current-context: {user}@kubernetes
            kind: Config
            preferences: {"{}"}
            users:
            - name: {user}
              user:
                client-certificate-data: X
                client-key-data: X

            """,
            masked
        );

        var parsed = KubeconfigFile.Parse(text, file);
        Assert.Equal(File.ReadAllText(Path.Combine(cluster.CertDir, "ca.crt")), parsed.CertificateAuthorityPem);
        var cert = PemCodec.DecodeCertificate(parsed.ClientCertificatePem!, file);
        Assert.Equal(user, CertificateFacts.CommonName(cert));
        Assert.Equal(org, string.Join(",", CertificateFacts.Organizations(cert)));
        Assert.Equal([KubePki.Model.ExtendedKeyUsageOids.ClientAuth], CertificateFacts.ExtendedKeyUsages(cert));
        Assert.Empty(cert.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", parsed.ClientKeyPem);
    }

    [Fact]
    public void Real_kubeadm_kubeconfigs_reserialize_to_the_same_bytes()
    {
        foreach (var tree in new[] { KubeadmFixtures.V129, KubeadmFixtures.V123, KubeadmFixtures.V111 })
        {
            foreach (var file in Directory.GetFiles(KubeadmFixtures.PathOf(tree), "*.conf"))
            {
                var text = File.ReadAllText(file);
                Assert.Equal(text, KubeconfigFile.Parse(text, file).Serialize());
            }
        }
    }

    [Fact]
    public void Control_plane_endpoint_is_used_by_admin_but_not_by_controller_manager()
    {
        using var dir = cluster.Copy();
        foreach (var f in new[] { "admin.conf", "controller-manager.conf" })
        {
            File.Delete(dir.Combine(f));
        }
        var result = CliRunner.Run(
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
            dir.Combine("kubeadm.yaml"),
            "--control-plane-endpoint",
            "api.example.com",
            "--apiserver-bind-port",
            "7443"
        );
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(
            "https://api.example.com:7443",
            KubeconfigFile.Parse(File.ReadAllText(dir.Combine("admin.conf")), "a").Server
        );
        Assert.Equal(
            "https://192.168.10.5:7443",
            KubeconfigFile.Parse(File.ReadAllText(dir.Combine("controller-manager.conf")), "c").Server
        );
        Assert.Contains("[kubeconfig] Writing \"admin.conf\" kubeconfig file", result.Out);
        Assert.Contains(
            "has an unexpected API Server URL: expected: https://api.example.com:7443, got: https://192.168.10.5:6443",
            result.Out
        );
    }

    [Fact]
    public void Kubeconfig_user_prints_a_kubeconfig_for_an_extra_user()
    {
        var result = CliRunner.Run(
            Clock,
            null,
            "kubeconfig",
            "user",
            "--client-name",
            "alice",
            "--org",
            "devs",
            "--org",
            "ops",
            "--validity-period",
            "24h",
            "--cert-dir",
            cluster.CertDir,
            "--config",
            cluster.ConfigPath
        );
        Assert.True(result.ExitCode == 0, result.All);
        var file = KubeconfigFile.Parse(result.Out, "stdout");
        Assert.Equal("alice@kubernetes", file.CurrentContext);
        var cert = PemCodec.DecodeCertificate(file.ClientCertificatePem!, "stdout");
        Assert.Equal(["devs", "ops"], CertificateFacts.Organizations(cert));
        Assert.Equal(ClusterFixture.Start.UtcDateTime.AddHours(24), cert.NotAfter.ToUniversalTime());
        Assert.DoesNotContain("[config]", result.Out);
    }
}
