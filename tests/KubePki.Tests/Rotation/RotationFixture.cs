using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.TestKit;
using KubePki.Validation;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Rotation;

/// <summary>One ECDSA-P256 cluster tree (certs, sa, five kubeconfigs) made once per test class; tests copy it. Rotation
/// runs one day later than the tree was made, so the new CA's expiry differs from the old one's.</summary>
public sealed class RotationFixture : IDisposable
{
    public static readonly DateTimeOffset Made = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly FakeTimeProvider Later = new(Made.AddDays(1));

    private readonly TempDir _dir = new("kubepki-rotation");

    public RotationFixture()
    {
        var time = new FakeTimeProvider(Made);
        File.WriteAllText(
            Path.Combine(_dir.Path, "kubeadm.yaml"),
            ClusterFixture.Config + "\nencryptionAlgorithm: " + "ECDSA-P256\n"
        );
        var certs = CliRunner.Run(
            time,
            null,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            _dir.Combine("pki"),
            "--config",
            _dir.Combine("kubeadm.yaml")
        );
        Assert.True(certs.ExitCode == 0, certs.All);
        var kubeconfigs = CliRunner.Run(
            time,
            null,
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            _dir.Combine("pki"),
            "--kubeconfig-dir",
            _dir.Path,
            "--config",
            _dir.Combine("kubeadm.yaml")
        );
        Assert.True(kubeconfigs.ExitCode == 0, kubeconfigs.All);
    }

    public TempDir Copy() => CopyOf(_dir.Path);

    /// <summary>A private copy of a tree, with its files' modes (ca-rotation keeps its 0700 directory).</summary>
    public static TempDir CopyOf(string root)
    {
        var copy = new TempDir("kubepki-rotation-copy");
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    public static CliRunner.Result Rotate(TempDir dir, params string[] args) =>
        CliRunner.Run(
            Later,
            null,
            [
                "ca",
                "rotate",
                .. args,
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path,
                "--config",
                dir.Combine("kubeadm.yaml"),
            ]
        );

    public static CliRunner.Result RotateOk(TempDir dir, params string[] args)
    {
        var result = Rotate(dir, args);
        Assert.True(result.ExitCode == 0, $"ca rotate {string.Join(' ', args)}: {result.All}");
        return result;
    }

    public static IReadOnlyList<X509Certificate2> Bundle(string path) =>
        PemCodec.DecodeCertificates(File.ReadAllText(path), path);

    public static X509Certificate2 Cert(string path) => Bundle(path)[0];

    internal static KubeconfigFile Kubeconfig(string path) => KubeconfigFile.Parse(File.ReadAllText(path), path);

    public static IReadOnlyList<X509Certificate2> KubeconfigTrust(string path) =>
        PemCodec.DecodeCertificates(Kubeconfig(path).CertificateAuthorityPem!, path);

    public static X509Certificate2 KubeconfigClient(string path) =>
        PemCodec.DecodeCertificate(Kubeconfig(path).ClientCertificatePem!, path);

    public static readonly string[] Kubeconfigs =
    [
        "admin.conf",
        "super-admin.conf",
        "kubelet.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ];

    /// <summary>The pairs and kubeconfig client certs <c>ca</c> signs, by path, with their certificate.</summary>
    public static IEnumerable<(string Path, X509Certificate2 Cert)> SignedByCa(TempDir dir) =>
        new[] { "apiserver", "apiserver-kubelet-client" }
            .Select(b => (dir.Combine("pki", b + ".crt"), Cert(dir.Combine("pki", b + ".crt"))))
            .Concat(Kubeconfigs.Select(k => (dir.Combine(k), KubeconfigClient(dir.Combine(k)))));

    /// <summary>Every pair's key matches its certificate, and every kubeconfig's client key its client cert.</summary>
    public static void AssertEveryPairMatches(TempDir dir)
    {
        foreach (
            var crt in Directory
                .EnumerateFiles(dir.Combine("pki"), "*.crt", SearchOption.AllDirectories)
                .Where(f => !f.Contains("ca-rotation"))
        )
        {
            var key = Path.ChangeExtension(crt, ".key");
            using var loaded = PemCodec.DecodePrivateKey(File.ReadAllText(key), key);
            Assert.True(loaded.Matches(Cert(crt)), $"{key} does not match the first certificate of {crt}");
        }
        foreach (var name in Kubeconfigs)
        {
            var file = Kubeconfig(dir.Combine(name));
            using var key = PemCodec.DecodePrivateKey(file.ClientKeyPem!, name);
            Assert.True(
                key.Matches(KubeconfigClient(dir.Combine(name))),
                $"{name}: client key does not match client " + $"cert"
            );
        }
    }

    public static bool SignedBy(X509Certificate2 leaf, X509Certificate2 ca) => ChainVerifier.IsSignedBy(leaf, [], ca);

    public static bool Same(X509Certificate2 a, X509Certificate2 b) => a.RawData.AsSpan().SequenceEqual(b.RawData);

    public void Dispose() => _dir.Dispose();
}
