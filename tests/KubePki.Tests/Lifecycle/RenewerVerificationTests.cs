using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Lifecycle;

public class RenewerVerificationTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void A_certificate_that_does_not_chain_to_the_ca_on_disk_replaces_nothing()
    {
        using var dir = cluster.Copy();
        var before = TreeSnapshot.Of(dir.Path);
        var config = new ClusterConfig { CertificatesDir = dir.Combine("pki"), KubeconfigDir = dir.Path };
        var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
        var context = new IssueContext(
            config,
            pki,
            FixtureKeys.Shared,
            ClusterFixture.Start.AddDays(10),
            TextWriter.Null
        );
        // A signer that is not the CA clients trust (as a CA file swapped mid-run, or a signing bug, would give).
        context.Remember("front-proxy-ca", CaLoader.Load(pki, CertCatalog.Ca));

        var e = Assert.Throws<KubePkiException>(() =>
            new Renewer(context).Renew([RenewalCatalog.Find(config, pki, "front-proxy-client")], new RenewalOptions())
        );

        Assert.Equal(
            "renewing front-proxy-client failed, its files are unchanged (nothing was renewed before it): "
                + $"front-proxy-client: the new certificate does not chain to "
                + $"{dir.Combine("pki", "front-proxy-ca.crt")}; "
                + "nothing replaced",
            e.Message
        );
        before.AssertSame(TreeSnapshot.Of(dir.Path));
        Assert.Empty(Directory.GetDirectories(dir.Combine("tmp")));
    }
}
