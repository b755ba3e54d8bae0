using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Model;
using KubePki.Storage;

namespace KubePki.Tests.Mutation;

/// <summary>A renewed certificate is checked before it replaces the old one: one that does not chain to its CA
/// (here signed by a key that is not the CA's) is refused and nothing on disk changes.</summary>
public class RenewerVerifyTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset Later = ClusterFixture.Start.AddDays(100);

    [Fact]
    public void A_renewed_certificate_that_does_not_chain_to_its_ca_replaces_nothing()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var config = new ClusterConfig
        {
            CertificatesDir = dir.Combine("pki"),
            KubeconfigDir = dir.Path,
            KeyAlgorithm = KeyAlgorithm.EcdsaP256,
        };
        var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
        var context = new IssueContext(config, pki, KeyGenerator.Instance, Later, TextWriter.Null);
        var realCa = pki.ReadCert("ca");
        var otherKey = KeyGenerator.Instance.Generate(KeyAlgorithm.EcdsaP256);
        context.Remember("ca", new CertificateAuthority(realCa, otherKey));

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(context).Renew([RenewalCatalog.Find(config, pki, "apiserver")], new RenewalOptions())
        );

        Assert.Contains(
            $"apiserver: the new certificate does not chain to {dir.Combine("pki", "ca.crt")}; nothing replaced",
            e.Message
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        // The state dir (lock) may exist; certificates, keys and kubeconfigs are untouched and no backup was made.
        var tmp = dir.Combine("tmp");
        Assert.Empty(Directory.Exists(tmp) ? Directory.GetDirectories(tmp, "kubepki-backup-*") : []);
    }

    [Fact]
    public void A_renewed_certificate_that_verifies_replaces_the_pair_and_keeps_a_backup()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var oldCertificate = File.ReadAllBytes(dir.Combine("pki", "apiserver.crt"));
        var config = new ClusterConfig
        {
            CertificatesDir = dir.Combine("pki"),
            KubeconfigDir = dir.Path,
            KeyAlgorithm = KeyAlgorithm.EcdsaP256,
        };
        var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
        var context = new IssueContext(config, pki, KeyGenerator.Instance, Later, TextWriter.Null);

        var result = new Renewer(context).Renew([RenewalCatalog.Find(config, pki, "apiserver")], new RenewalOptions());

        Assert.Equal(["apiserver"], result.Renewed);
        var after = TreeSnapshot.Of(dir.Path);
        Assert.NotEqual(before.Files["pki/apiserver.crt"], after.Files["pki/apiserver.crt"]);
        Assert.NotEqual(before.Files["pki/apiserver.key"], after.Files["pki/apiserver.key"]);
        Assert.Equal(before.Files["pki/apiserver-kubelet-client.crt"], after.Files["pki/apiserver-kubelet-client.crt"]);
        Assert.NotNull(result.BackupPath);
        var saved = Directory.EnumerateFiles(result.BackupPath, "apiserver.crt", SearchOption.AllDirectories).Single();
        Assert.Equal(oldCertificate, File.ReadAllBytes(saved));
    }
}
