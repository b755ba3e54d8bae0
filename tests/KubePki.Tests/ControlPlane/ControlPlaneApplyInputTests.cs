using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary><c>control-plane apply</c> without a kubelet: what it reads from <c>--manifests-from</c> (through the safe
/// reader and the bounded YAML reader), how it compares manifests, and what an UpgradeConfiguration sets (seen through
/// --dry-run, which says what it would do).</summary>
public sealed class ControlPlaneApplyInputTests : IDisposable
{
    private readonly ControlPlaneNode _node = new();
    private readonly string _from;

    public ControlPlaneApplyInputTests()
    {
        _from = Path.Combine(_node.Root, "new-manifests");
        Directory.CreateDirectory(_from);
        File.SetUnixFileMode(_from, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string[] Flags(params string[] extra) => [.. NoTimeout(extra), "--timeout", "1s"];

    private string[] NoTimeout(params string[] extra) =>
        [
            "control-plane",
            "apply",
            "--manifests-from",
            _from,
            "--cert-dir",
            Path.Combine(_node.KubeconfigDir, "pki"),
            .. _node.Flags,
            .. extra,
        ];

    private void AssertRefused(string expected, params string[] extra)
    {
        var before = NodeFiles();
        var run = Task.Run(() => CliRunner.Run(Flags(extra)));
        // A FIFO read the old way blocks for ever: the run must end on its own, quickly.
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "control-plane apply did not finish within 30s");
        var result = run.Result;
        Assert.Equal(1, result.ExitCode);
        var line = result.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.Contains(expected, line);
        Assert.Equal(before, NodeFiles());
    }

    /// <summary>Everything under the kubeconfig dir (not the --manifests-from dir, which holds the FIFO or the link to
    /// /dev/zero under test).</summary>
    private Dictionary<string, string> NodeFiles() =>
        Directory
            .GetFileSystemEntries(_node.KubeconfigDir, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => p, p => File.Exists(p) ? File.ReadAllText(p) : "<dir>");

    [Fact]
    public void A_FIFO_as_a_new_manifest_is_refused_at_once()
    {
        var fifo = Path.Combine(_from, "kube-scheduler.yaml");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);
        try
        {
            AssertRefused($"{fifo} is a FIFO, not a regular file; refusing to read it");
        }
        finally
        {
            // Unblocks a reader stuck in open(2), should one be (O_WRONLY | O_NONBLOCK fails when there is none).
            using var writer = new Microsoft.Win32.SafeHandles.SafeFileHandle(Open(fifo, 1 | 0x800), true);
        }
    }

    [Fact]
    public void A_link_to_dev_zero_as_a_new_manifest_is_refused()
    {
        var link = Path.Combine(_from, "kube-scheduler.yaml");
        File.CreateSymbolicLink(link, "/dev/zero");
        AssertRefused($"{link} is a character device, not a regular file; refusing to read it");
    }

    [Fact]
    public void A_200000_deep_new_manifest_is_an_error_not_a_crash()
    {
        var path = Path.Combine(_from, "kube-scheduler.yaml");
        File.WriteAllText(path, new string('[', 200_000) + new string(']', 200_000) + "\n");
        AssertRefused($"{path}: invalid YAML at line 1: nesting deeper than 64 levels");
    }

    [Fact]
    public void A_directory_others_may_write_to_is_warned_about()
    {
        File.WriteAllText(
            Path.Combine(_from, "kube-scheduler.yaml"),
            ControlPlaneNode.Manifest("kube-scheduler", 1).Replace("--secure-port=1", "--secure-port=1\n    - --v=2")
        );
        File.SetUnixFileMode(_from, (UnixFileMode)0b111_111_111);
        var result = CliRunner.Run(Flags("--dry-run"));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            $"[upgrade/staticpods] WARNING: --manifests-from {_from} is writable by other users (mode 0777)",
            result.Out
        );
        File.SetUnixFileMode(_from, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.DoesNotContain("WARNING", CliRunner.Run(Flags("--dry-run")).Out);
    }

    [Fact]
    public void Manifests_that_differ_only_in_layout_are_equal_and_nothing_is_touched()
    {
        // Keys reordered, another quoting style, a comment, an explicit empty field: the same pod.
        var installed = ControlPlaneNode.Manifest("kube-scheduler", 1);
        var relaid =
            "# regenerated\nkind: Pod\napiVersion: \"v1\"\n"
            + installed
                .Replace("apiVersion: v1\nkind: Pod\n", "", StringComparison.Ordinal)
                .Replace("  namespace: kube-system\n", "  namespace: 'kube-system'\n  labels: {}\n")
            + "status: {}\n";
        File.WriteAllText(Path.Combine(_from, "kube-scheduler.yaml"), relaid);
        var before = Manifests();

        var result = CliRunner.Run(Flags("--certificate-renewal=false"));

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            "[upgrade/staticpods] Current and new manifests of kube-scheduler are equal, skipping upgrade",
            result.Out
        );
        Assert.Equal(before, Manifests());
        Assert.Empty(Directory.GetDirectories(_node.TmpDir));

        // A real change is one.
        File.WriteAllText(Path.Combine(_from, "kube-scheduler.yaml"), relaid.Replace("--secure-port=1", "--v=2"));
        var dryRun = CliRunner.Run(Flags("--dry-run"));
        Assert.Contains("[dryrun] Would back up", dryRun.Out);
    }

    [Fact]
    public void UpgradeConfiguration_sets_renewal_etcd_upgrade_and_timeout_flags_override_and_unknown_fields_warn()
    {
        WriteEtcd(installedTag: "3.5.15-0", newTag: "3.5.16-0");
        File.WriteAllText(
            Path.Combine(_from, "kube-scheduler.yaml"),
            ControlPlaneNode.Manifest("kube-scheduler", 1).Replace("--secure-port=1", "--secure-port=1\n    - --v=2")
        );
        var config = Path.Combine(_node.Root, "upgrade.yaml");
        File.WriteAllText(
            config,
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: UpgradeConfiguration
            apply:
              certificateRenewal: false
              etcdUpgrade: false
              certificateRenwal: true
            timeouts:
              upgradeManifests: 42s
            """
        );
        var flags = NoTimeout("--config", config, "--dry-run");

        var result = CliRunner.Run([.. flags]);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            $"[config] WARNING: {config}: unknown field \"apply.certificateRenwal\" in UpgradeConfiguration",
            result.Out
        );
        Assert.Contains(
            "[upgrade/etcd] etcd upgrade is disabled (etcdUpgrade: false); etcd is left as it is",
            result.Out
        );
        Assert.Contains(
            $"install {Path.Combine(_from, "kube-scheduler.yaml")} and wait up to 42s "
                + "until \"kube-scheduler\" is healthy",
            result.Out
        );
        Assert.DoesNotContain("renew", result.Out);

        // Flags win over the file.
        var overridden = CliRunner.Run([
            .. flags,
            "--certificate-renewal=true",
            "--etcd-upgrade=true",
            "--timeout",
            "7s",
        ]);
        Assert.True(overridden.ExitCode == 0, overridden.All);
        Assert.Contains("renew etcd-server, etcd-peer, etcd-healthcheck-client, install", overridden.Out);
        Assert.Contains("renew scheduler.conf, install", overridden.Out);
        Assert.Contains("wait up to 7s until \"kube-scheduler\" is healthy", overridden.Out);
        Assert.Contains("[dryrun] Would renew admin.conf (and super-admin.conf where it exists)", overridden.Out);

        File.WriteAllText(
            config,
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\napply:\n  etcdUpgrade: maybe\n"
        );
        var bad = CliRunner.Run([.. flags]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{config}: UpgradeConfiguration.apply.etcdUpgrade: \"maybe\" is not a boolean", bad.Error);
    }

    [Fact]
    public void An_older_etcd_is_not_installed_and_the_others_go_on()
    {
        WriteEtcd(installedTag: "3.5.15-0", newTag: "3.5.12-0");
        File.WriteAllText(
            Path.Combine(_from, "kube-scheduler.yaml"),
            ControlPlaneNode.Manifest("kube-scheduler", 1).Replace("--secure-port=1", "--secure-port=1\n    - --v=2")
        );
        var result = CliRunner.Run(Flags("--dry-run"));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(
            "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes "
                + "version \"v1.32.0\" is \"3.5.12-0\", but the current etcd version is \"3.5.15-0\". Won't downgrade "
                + "etcd, instead just continue",
            result.Out
        );
        Assert.DoesNotContain($"install {Path.Combine(_from, "etcd.yaml")}", result.Out);
        Assert.Contains($"install {Path.Combine(_from, "kube-scheduler.yaml")}", result.Out);
    }

    [Theory]
    [InlineData("registry.k8s.io/etcd:3.5.15-0", "registry.k8s.io/etcd:3.5.16-0", -1)]
    [InlineData("registry.k8s.io/etcd:3.5.15-0", "registry.k8s.io/etcd:3.5.15-1", -1)]
    [InlineData("registry.k8s.io/etcd:3.5.15-0", "registry.k8s.io/etcd:3.5.15", -1)]
    [InlineData("registry.k8s.io/etcd:3.5.9-0", "registry.k8s.io/etcd:3.5.10-0", -1)]
    [InlineData("localhost:5000/etcd:3.6.0-0", "etcd:v3.5.21", 1)]
    [InlineData("registry.k8s.io/etcd:3.5.15-0", "registry.k8s.io/etcd:3.5.15-0", 0)]
    public void Etcd_versions_order_as_semantic_versions(string left, string right, int order)
    {
        Assert.Equal(order, EtcdVersion.FromImage(left)!.CompareTo(EtcdVersion.FromImage(right)));
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("localhost:5000/etcd")]
    [InlineData("registry.k8s.io/etcd:latest")]
    public void An_image_without_a_version_tag_has_no_etcd_version(string image) =>
        Assert.Null(EtcdVersion.FromImage(image));

    private Dictionary<string, string> Manifests() =>
        Directory.GetFiles(_node.ManifestsDir).Order().ToDictionary(p => p, File.ReadAllText);

    private void WriteEtcd(string installedTag, string newTag)
    {
        var manifest = ControlPlaneNode.Manifest("etcd", 1);
        string With(string tag) =>
            manifest.Replace("    name: etcd\n", $"    image: registry.k8s.io/etcd:{tag}\n    name: etcd\n");
        File.WriteAllText(Path.Combine(_node.ManifestsDir, "etcd.yaml"), With(installedTag));
        File.WriteAllText(Path.Combine(_from, "etcd.yaml"), With(newTag));
        File.WriteAllText(
            Path.Combine(_node.ManifestsDir, "kube-apiserver.yaml"),
            ControlPlaneNode
                .Manifest("kube-apiserver", 1)
                .Replace(
                    "    name: kube-apiserver\n",
                    "    image: registry.k8s.io/kube-apiserver:v1.32.0\n    name: kube-apiserver\n"
                )
        );
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern nint Open(string path, int flags);

    public void Dispose() => _node.Dispose();
}
