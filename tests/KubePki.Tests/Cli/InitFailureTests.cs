using KubePki.Crypto;
using KubePki.TestKit;
using KubePki.Validation;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

public class InitFailureTests
{
    private static CliRunner.Result InitAll(string certDir) =>
        CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start),
            null,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            certDir,
            "--apiserver-advertise-address",
            "10.0.0.1"
        );

    [Fact]
    public void A_disk_that_fills_up_during_all_leaves_only_complete_valid_pairs()
    {
        using var mount = TmpfsMount.Create("20k");
        var certDir = Path.Combine(mount.Path, "pki");
        var result = InitAll(certDir);

        CliAssert.OneLineError(result, "No space left on device");
        Assert.StartsWith("error: cannot write ", result.Error);
        var files = Directory.EnumerateFiles(certDir, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        Assert.DoesNotContain(files, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        foreach (var cert in files.Where(f => f.EndsWith(".crt", StringComparison.Ordinal)))
        {
            var key = Path.ChangeExtension(cert, ".key");
            Assert.True(File.Exists(key), $"{cert} has no key");
            var certificate = PemCodec.DecodeCertificate(File.ReadAllText(cert), cert);
            using var privateKey = PemCodec.DecodePrivateKey(File.ReadAllText(key), key);
            Assert.True(privateKey.Matches(certificate), cert);
        }
        Assert.All(
            files.Where(f => f.EndsWith(".key", StringComparison.Ordinal)),
            k => Assert.True(File.Exists(Path.ChangeExtension(k, ".crt")), $"{k} has no cert")
        );

        // Room again: the rerun reuses what was complete and finishes the rest.
        mount.Remount("size=1m");
        var rerun = InitAll(certDir);
        Assert.True(rerun.ExitCode == 0, rerun.All);
        Assert.Contains("[certs] Using existing ca certificate authority", rerun.Out);
        Assert.True(
            ChainVerifier.IsSignedBy(
                PemCodec.DecodeCertificate(File.ReadAllText(Path.Combine(certDir, "etcd", "peer.crt")), "peer"),
                [],
                PemCodec.DecodeCertificate(File.ReadAllText(Path.Combine(certDir, "etcd", "ca.crt")), "ca")
            )
        );
    }
}
