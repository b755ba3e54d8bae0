using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests;

/// <summary>One full cluster tree (certs, sa, kubeconfigs; RSA from fixture keys) made once per test class at a fixed
/// clock; tests copy it to their own directory.</summary>
public sealed class ClusterFixture : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDir _dir = new("kubepki-cluster");

    public ClusterFixture()
    {
        Root = _dir.Path;
        var time = new FakeTimeProvider(Start);
        var certs = CliRunner.Run(
            time,
            null,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            CertDir,
            "--config",
            ConfigPath
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
            CertDir,
            "--kubeconfig-dir",
            Root,
            "--config",
            ConfigPath
        );
        Assert.True(kubeconfigs.ExitCode == 0, kubeconfigs.All);
    }

    public string Root { get; }

    public string CertDir => Path.Combine(Root, "pki");

    public string ConfigPath => WriteConfig(Path.Combine(Root, "kubeadm.yaml"));

    public const string Config = """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: InitConfiguration
        localAPIEndpoint:
          advertiseAddress: 192.168.10.5
          bindPort: 6443
        nodeRegistration:
          name: cp-1
        ---
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: ClusterConfiguration
        networking:
          serviceSubnet: 10.96.0.0/12
        """;

    public static string WriteConfig(string path, string text = Config)
    {
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A private copy of the tree, with its modes.</summary>
    public TempDir Copy()
    {
        var copy = new TempDir("kubepki-copy");
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    public void Dispose() => _dir.Dispose();
}
