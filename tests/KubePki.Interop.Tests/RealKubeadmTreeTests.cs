using System.Security.Cryptography;
using System.Text.RegularExpressions;
using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>Three /etc/kubernetes trees written by real kubeadm (v1.29.0, v1.23.4, v1.11.2): kubepki's init phases
/// must take every existing file as it is ("Using existing ...") and change no byte, as kubeadm does. Their leaf certs
/// have expired, which kubeadm only warns about.</summary>
public sealed partial class RealKubeadmTreeTests
{
    public static TheoryData<string> Trees() =>
        new() { "zetaoss__zeta-linux", "Carlinhos-111__KubernetesTest", "devopsyuva__k8s-1.11" };

    [Theory]
    [MemberData(nameof(Trees))]
    public void Init_phases_reuse_every_file_of_a_real_kubeadm_tree_and_change_no_byte(string tree)
    {
        using var work = new TempDir("interop-real-tree");
        var root = work.Combine("etc-kubernetes");
        CopyTree(Path.Combine(KubePki.TestKit.KubeadmFixtures.Root, tree), root);
        var pki = Path.Combine(root, "pki");

        // The node name and advertise address this tree was made for: from kubelet.conf's user and the server URL,
        // cross-checked against the apiserver cert's SANs.
        var nodeName = Regex
            .Match(
                File.ReadAllText(Path.Combine(root, "kubelet.conf")),
                @"^- name: system:node:(\S+)$",
                RegexOptions.Multiline
            )
            .Groups[1]
            .Value;
        var server = Kubepki.KubeconfigField(Path.Combine(root, "admin.conf"), "server");
        var advertise = Regex.Match(server, @"^https://([0-9.]+):6443$").Groups[1].Value;
        Assert.False(
            string.IsNullOrEmpty(nodeName) || string.IsNullOrEmpty(advertise),
            $"cannot read node name/advertise address of {tree}"
        );
        var apiserverSans = OpensslCert.Read(Path.Combine(pki, "apiserver.crt")).Sans;
        Assert.Contains($"DNS:{nodeName}", apiserverSans);
        Assert.Contains($"IP Address:{advertise}", apiserverSans);

        var config = Kubepki.WriteConfig(
            work.Path,
            $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {nodeName}
            localAPIEndpoint:
              advertiseAddress: {advertise}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            """
        );
        var before = Snapshot(root);
        var hadSuperAdmin = File.Exists(Path.Combine(root, "super-admin.conf"));
        var clock = Kubepki.NowClock();

        var certs = CliRunner.Run(
            clock,
            FixtureKeys.Shared,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            pki,
            "--config",
            config
        );
        Assert.True(certs.ExitCode == 0, $"init phase certs all on {tree} exited {certs.ExitCode}:\n{certs.All}");
        var kubeconfigs = CliRunner.Run(
            clock,
            FixtureKeys.Shared,
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            pki,
            "--kubeconfig-dir",
            root,
            "--config",
            config
        );
        Assert.True(
            kubeconfigs.ExitCode == 0,
            $"init phase kubeconfig all on {tree} exited {kubeconfigs.ExitCode}:\n{kubeconfigs.All}"
        );

        foreach (var ca in new[] { "ca", "front-proxy-ca", "etcd/ca" })
        {
            Assert.Contains($"[certs] Using existing {ca} certificate authority", certs.Out);
        }
        foreach (var leaf in CertSpec.All.Where(s => !s.IsCa))
        {
            Assert.Contains($"[certs] Using existing {leaf.Base} certificate and key on disk", certs.Out);
            Assert.Contains(
                $"WARNING: could not validate bounds for certificate {leaf.Base}: the certificate has expired",
                certs.All
            );
        }
        Assert.Contains("[certs] Using the existing \"sa\" key", certs.Out);
        Assert.DoesNotContain("Generating", certs.All);
        foreach (var name in CertSpec.Kubeconfigs.Where(n => n != "super-admin.conf" || hadSuperAdmin))
        {
            Assert.Contains(
                $"[kubeconfig] Using existing kubeconfig file: \"{Path.Combine(root, name)}\"",
                kubeconfigs.Out
            );
        }

        // Not one byte (nor mode) of an existing file changed.
        var after = Snapshot(root);
        foreach (var (file, state) in before)
        {
            Assert.True(after.TryGetValue(file, out var now) && now == state, $"{tree}: {file} changed");
        }

        // Trees from before v1.29 have no super-admin.conf; kubeadm v1.29+ (and kubepki) adds it, signed by the
        // existing CA.
        var added = after.Keys.Except(before.Keys).ToList();
        if (hadSuperAdmin)
        {
            Assert.Empty(added);
        }
        else
        {
            Assert.Equal(["super-admin.conf"], added);
            Assert.Contains("[kubeconfig] Writing \"super-admin.conf\" kubeconfig file", kubeconfigs.Out);
            var (cert, _) = Kubepki.ExtractClientPair(
                Path.Combine(root, "super-admin.conf"),
                work.Combine("extracted")
            );
            Assert.True(OpensslVerify.Run(Path.Combine(pki, "ca.crt"), [cert], "sslclient", strict: false)[cert].Ok);
            Assert.Equal("O = system:masters, CN = kubernetes-super-admin", OpensslCert.Read(cert).Subject);
            Assert.Equal(server, Kubepki.KubeconfigField(Path.Combine(root, "super-admin.conf"), "server"));
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, target);
            var secret =
                file.EndsWith(".key", StringComparison.Ordinal) || file.EndsWith(".conf", StringComparison.Ordinal);
            File.SetUnixFileMode(
                target,
                secret
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
            );
        }
    }

    private static Dictionary<string, string> Snapshot(string root) =>
        Directory
            .GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(
                f => Path.GetRelativePath(root, f),
                f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + " " + File.GetUnixFileMode(f)
            );
}
