using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Kubeconfig;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class CsrTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly FakeTimeProvider Clock = new(ClusterFixture.Start);

    private static CertificateRequest LoadCsr(string path) =>
        CertificateRequest.LoadSigningRequestPem(
            File.ReadAllText(path),
            HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions
        );

    [Fact]
    public void Generate_csr_writes_a_key_and_csr_per_leaf_and_partial_kubeconfigs()
    {
        using var dir = new TempDir();
        var config = ClusterFixture.WriteConfig(dir.Combine("kubeadm.yaml"));
        var result = CliRunner.Run(
            Clock,
            null,
            "certs",
            "generate-csr",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path,
            "--config",
            config
        );
        Assert.True(result.ExitCode == 0, result.All);

        foreach (
            var leaf in new[]
            {
                "apiserver",
                "apiserver-kubelet-client",
                "front-proxy-client",
                "apiserver-etcd-client",
                "etcd/server",
                "etcd/peer",
                "etcd/healthcheck-client",
            }
        )
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(dir.Combine("pki", leaf + ".key"))
            );
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(dir.Combine("pki", leaf + ".csr"))
            );
            Assert.StartsWith(
                "-----BEGIN CERTIFICATE REQUEST-----\n",
                File.ReadAllText(dir.Combine("pki", leaf + ".csr"))
            );
        }
        Assert.False(File.Exists(dir.Combine("pki", "ca.key")));

        var apiserver = LoadCsr(dir.Combine("pki", "apiserver.csr"));
        Assert.Equal("CN=kube-apiserver", apiserver.SubjectName.Name);
        var san = apiserver.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(
            [
                "cp-1",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
            san.EnumerateDnsNames()
        );
        Assert.Equal(["10.96.0.1", "192.168.10.5"], san.EnumerateIPAddresses().Select(i => i.ToString()));
        Assert.DoesNotContain(
            apiserver.CertificateExtensions,
            e => e is X509EnhancedKeyUsageExtension or X509KeyUsageExtension
        );

        var admin = KubeconfigFile.Parse(File.ReadAllText(dir.Combine("admin.conf")), "admin.conf");
        Assert.Null(admin.ClientCertificatePem);
        Assert.Null(admin.CertificateAuthorityPem);
        Assert.Equal("https://192.168.10.5:6443", admin.Server);
        using var key = KubePki.Crypto.PemCodec.DecodePrivateKey(admin.ClientKeyPem!, "admin.conf");
        var adminCsr = LoadCsr(dir.Combine("admin.conf.csr"));
        Assert.Equal(key.Key.ExportSubjectPublicKeyInfo(), adminCsr.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(
            "kubeadm:cluster-admins",
            KubePki.Building.SubjectName.Read(adminCsr.SubjectName).Organizations.Single()
        );
        Assert.True(File.Exists(dir.Combine("kubelet.conf.csr")));
    }

    [Fact]
    public void Generate_csr_refuses_existing_files_before_writing_any()
    {
        using var dir = new TempDir();
        var config = ClusterFixture.WriteConfig(dir.Combine("kubeadm.yaml"));
        Directory.CreateDirectory(dir.Combine("pki", "etcd"));
        File.WriteAllText(dir.Combine("pki", "etcd", "peer.csr"), "keep me");
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(
            Clock,
            null,
            "certs",
            "generate-csr",
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path,
            "--config",
            config
        );
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: file already exists: key or CSR {dir.Combine("pki", "etcd", "peer")}\n", result.Error);
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void Renew_csr_only_takes_subject_and_sans_from_the_existing_cert_and_leaves_it_in_place()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var result = CliRunner.Run(
            Clock,
            null,
            "certs",
            "renew",
            "all",
            "--csr-only",
            "--csr-dir",
            dir.Combine("csr"),
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        Assert.True(result.ExitCode == 0, result.All);
        var after = TreeSnapshot.Of(dir.Path);
        Assert.All(before.Files, f => Assert.Equal(f.Value, after.Files[f.Key]));

        var existing = KubePki.Crypto.PemCodec.DecodeCertificate(
            File.ReadAllText(dir.Combine("pki", "etcd", "peer.crt")),
            "peer"
        );
        var csr = LoadCsr(dir.Combine("csr", "etcd", "peer.csr"));
        Assert.Equal(existing.SubjectName.RawData, csr.SubjectName.RawData);
        var san = csr.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(CertificateFacts.DnsNames(existing), san.EnumerateDnsNames());
        Assert.Equal(CertificateFacts.IpAddresses(existing), san.EnumerateIPAddresses());
        Assert.True(File.Exists(dir.Combine("csr", "admin.conf.csr")));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite,
            File.GetUnixFileMode(dir.Combine("csr", "admin.conf.key"))
        );

        var again = CliRunner.Run(
            Clock,
            null,
            "certs",
            "renew",
            "apiserver",
            "--csr-only",
            "--csr-dir",
            dir.Combine("csr"),
            "--cert-dir",
            dir.Combine("pki"),
            "--kubeconfig-dir",
            dir.Path
        );
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith("error: file already exists: key or CSR", again.Error);
    }
}
