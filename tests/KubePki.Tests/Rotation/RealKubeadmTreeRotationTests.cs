using System.Security.Cryptography.X509Certificates;
using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>Rotation of the trees real kubeadm wrote. v1.11's CA has no SubjectKeyIdentifier and its leaves no
/// AuthorityKeyIdentifier: start says so, and the leaves issue re-signs carry one.</summary>
public class RealKubeadmTreeRotationTests
{
    private static CliRunner.Result Rotate(TempDir tree, params string[] args) =>
        CliRunner.Run(["ca", "rotate", .. args, "--cert-dir", tree.Combine("pki"), "--kubeconfig-dir", tree.Path]);

    [Theory]
    [InlineData(KubeadmFixtures.V111, true)]
    [InlineData(KubeadmFixtures.V129, false)]
    public void A_real_kubeadm_tree_rotates_its_ca_and_missing_key_identifiers_are_reported(
        string name,
        bool lacksKeyIds
    )
    {
        using var tree = KubeadmFixtures.Copy(name);
        var start = Rotate(tree, "start", "ca");
        Assert.True(start.ExitCode == 0, start.All);
        Assert.Equal(
            lacksKeyIds,
            start.Out.Contains(
                $"WARNING: the old ca CA "
                    + $"({tree.Combine("pki", "ca-rotation", "ca", "old-ca.crt")}) has no SubjectKeyIdentifier",
                StringComparison.Ordinal
            )
        );
        Assert.Equal(
            lacksKeyIds,
            start.Out.Contains(
                $"WARNING: {tree.Combine("pki", "apiserver.crt")} has no " + $"AuthorityKeyIdentifier",
                StringComparison.Ordinal
            )
        );

        var issue = Rotate(tree, "issue", "ca");
        Assert.True(issue.ExitCode == 0, issue.All);
        var @new = Cert(tree.Combine("pki", "ca-rotation", "ca", "new-ca.crt"));
        var apiserver = Cert(tree.Combine("pki", "apiserver.crt"));
        Assert.True(SignedBy(apiserver, @new));
        Assert.NotNull(apiserver.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().SingleOrDefault());
        // kubeadm ≥ 1.17's kubelet.conf points to the kubelet's own rotated cert instead of embedding one.
        foreach (
            var kubeconfig in Directory
                .EnumerateFiles(tree.Path, "*.conf")
                .Where(k => RotationFixture.Kubeconfig(k).ClientCertificatePem is not null)
        )
        {
            Assert.True(SignedBy(KubeconfigClient(kubeconfig), @new), kubeconfig);
        }

        var finish = Rotate(tree, "finish", "ca");
        Assert.True(finish.ExitCode == 0, finish.All);
        Assert.Single(Bundle(tree.Combine("pki", "ca.crt")));
    }
}
