using System.Text;
using System.Text.RegularExpressions;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>Runs the kubepki CLI (in-process with fixture keys and the given clock, or as KUBEPKI_BIN for a
/// now-clock) and reads what it wrote.</summary>
public static partial class Kubepki
{
    /// <summary>Runs a command and requires exit code 0; returns stdout + stderr.</summary>
    public static string Run(TimeProvider time, params string[] args)
    {
        var result = CliRunner.Run(time, FixtureKeys.Shared, args);
        Assert.True(result.ExitCode == 0, $"kubepki {string.Join(' ', args)} exited {result.ExitCode}:\n{result.All}");
        return result.All;
    }

    /// <summary><c>init phase certs all</c> then <c>init phase kubeconfig all</c>, as a kubeadm operator runs them,
    /// with the same extra flags for both.</summary>
    public static void InitPhases(TimeProvider time, string certDir, string kubeconfigDir, params string[] flags)
    {
        Run(time, ["init", "phase", "certs", "all", "--cert-dir", certDir, .. flags]);
        Run(
            time,
            ["init", "phase", "kubeconfig", "all", "--cert-dir", certDir, "--kubeconfig-dir", kubeconfigDir, .. flags]
        );
    }

    public static string WriteConfig(string dir, string yaml, string name = "kubeadm-config.yaml")
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>A clock fixed at a whole second, so validity bounds are exact.</summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider FixedClock(DateTimeOffset at) =>
        new(new DateTimeOffset(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero));

    /// <summary>The current time as a fixed clock: certificates made with it are valid for real-time TLS peers.
    /// Commands run with it may run as the external kubepki binary (KUBEPKI_BIN).</summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider NowClock() => new NowClock();

    /// <summary>A scalar field of a kubeconfig as written by kubepki (one <c>key: value</c> line).</summary>
    public static string KubeconfigField(string kubeconfigPath, string key)
    {
        var match = Regex.Match(
            File.ReadAllText(kubeconfigPath),
            $@"^\s*-?\s*{Regex.Escape(key)}:\s*(\S+)\s*$",
            RegexOptions.Multiline
        );
        Assert.True(match.Success, $"{kubeconfigPath} has no '{key}'");
        return match.Groups[1].Value;
    }

    public static string DecodeField(string kubeconfigPath, string key) =>
        Encoding.ASCII.GetString(Convert.FromBase64String(KubeconfigField(kubeconfigPath, key)));

    /// <summary>Writes a kubeconfig's embedded client cert and key to <c>&lt;dir&gt;/&lt;name&gt;.crt|.key</c> (key
    /// 0600) for openssl.</summary>
    public static (string Cert, string Key) ExtractClientPair(string kubeconfigPath, string dir)
    {
        Directory.CreateDirectory(dir);
        var name = Path.GetFileNameWithoutExtension(kubeconfigPath);
        var cert = Path.Combine(dir, name + ".crt");
        var key = Path.Combine(dir, name + ".key");
        File.WriteAllText(cert, DecodeField(kubeconfigPath, "client-certificate-data"));
        File.WriteAllText(key, "");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(key, DecodeField(kubeconfigPath, "client-key-data"));
        return (cert, key);
    }
}

/// <summary>kubeadm's certificate list (v1.29+): file base, signing CA base, and which TLS purposes the EKU
/// allows.</summary>
public sealed record CertSpec(string Name, string Base, string? CaBase, bool Server, bool Client)
{
    public bool IsCa => CaBase is null;

    public static IReadOnlyList<CertSpec> All { get; } =
    [
        new("ca", "ca", null, false, false),
        new("apiserver", "apiserver", "ca", true, false),
        new("apiserver-kubelet-client", "apiserver-kubelet-client", "ca", false, true),
        new("front-proxy-ca", "front-proxy-ca", null, false, false),
        new("front-proxy-client", "front-proxy-client", "front-proxy-ca", false, true),
        new("etcd-ca", "etcd/ca", null, false, false),
        new("etcd-server", "etcd/server", "etcd/ca", true, true),
        new("etcd-peer", "etcd/peer", "etcd/ca", true, true),
        new("etcd-healthcheck-client", "etcd/healthcheck-client", "etcd/ca", false, true),
        new("apiserver-etcd-client", "apiserver-etcd-client", "etcd/ca", false, true),
    ];

    public static IReadOnlyList<string> Kubeconfigs { get; } =
    ["admin.conf", "super-admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"];
}
