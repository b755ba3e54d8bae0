using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Kubeconfig;
using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>Kubeconfigs made while <c>ca rotate</c> is under way trust both CAs, as the ones the rotation rewrote do;
/// other certificates in ca.crt are not embedded.</summary>
public class KubeconfigDuringRotationTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    [Fact]
    public void Kubeconfig_user_during_a_rotation_trusts_the_old_and_the_new_ca_in_ca_crt_order()
    {
        using var dir = fixture.Copy();
        RotateOk(dir, "start", "ca");
        var trusted = Bundle(dir.Combine("pki", "ca.crt"));
        Assert.Equal(2, trusted.Count);

        var user = User(dir);

        Assert.Equal(trusted.Select(c => c.RawData), TrustOf(user).Select(c => c.RawData));
    }

    [Fact]
    public void Init_phase_kubeconfig_during_a_rotation_reuses_the_files_the_rotation_rewrote()
    {
        using var dir = fixture.Copy();
        RotateOk(dir, "start", "ca");
        var before = TreeSnapshot.Of(dir.Path);

        var result = CliRunner.Run(
            Later,
            null,
            [
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
            ]
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(5, result.Out.Split('\n').Count(l => l.StartsWith("[kubeconfig] Using existing kubeconfig file")));
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void A_certificate_of_another_name_in_ca_crt_is_not_embedded()
    {
        using var dir = fixture.Copy();
        var caCrt = dir.Combine("pki", "ca.crt");
        var ca = Cert(caCrt);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var other = new CertificateRequest("CN=some-parent-ca", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1)
        );
        File.AppendAllText(caCrt, other.ExportCertificatePem() + "\n");

        var user = User(dir);

        Assert.Equal([ca.RawData], TrustOf(user).Select(c => c.RawData));
    }

    private static string User(TempDir dir)
    {
        var result = CliRunner.Run(
            Later,
            null,
            [
                "kubeconfig",
                "user",
                "--client-name",
                "alice",
                "--cert-dir",
                dir.Combine("pki"),
                "--config",
                dir.Combine("kubeadm.yaml"),
            ]
        );
        Assert.True(result.ExitCode == 0, result.All);
        return result.Out;
    }

    private static IReadOnlyList<X509Certificate2> TrustOf(string kubeconfig) =>
        KubePki.Crypto.PemCodec.DecodeCertificates(
            KubeconfigFile.Parse(kubeconfig, "kubeconfig user").CertificateAuthorityPem!,
            "kubeconfig user"
        );
}
