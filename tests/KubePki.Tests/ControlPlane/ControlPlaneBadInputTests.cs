using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>Bad input to <c>control-plane restart</c>: one line naming what is wrong, exit 1, nothing moved or
/// created.</summary>
public sealed class ControlPlaneBadInputTests
{
    private static void AssertRefused(ControlPlaneNode node, string expected, params string[] args)
    {
        var before = node.Snapshot();
        var result = CliRunner.Run(["control-plane", "restart", .. args]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        var line = result.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.Contains(expected, line);
        Assert.Equal(before, node.Snapshot());
    }

    [Theory]
    [InlineData(
        "kube-proxy",
        "unknown control-plane component \"kube-proxy\"; expected all or one or more of: etcd, kube-apiserver, "
            + "kube-controller-manager, kube-scheduler"
    )]
    [InlineData("etcd --timeout soon", "--timeout: \"soon\" is not a valid positive duration (e.g. 720h)")]
    public void A_bad_argument_is_refused(string args, string expected)
    {
        using var node = new ControlPlaneNode();
        AssertRefused(node, expected, [.. args.Split(' '), .. node.Flags]);
    }

    [Fact]
    public void Missing_manifest()
    {
        using var node = new ControlPlaneNode();
        File.Delete(Path.Combine(node.ManifestsDir, "kube-scheduler.yaml"));
        AssertRefused(
            node,
            $"{Path.Combine(node.ManifestsDir, "kube-scheduler.yaml")}: no such static pod manifest",
            ["etcd", "kube-scheduler", .. node.Flags]
        );
    }

    [Fact]
    public void A_manifest_that_is_not_a_Pod()
    {
        using var node = new ControlPlaneNode();
        File.WriteAllText(
            Path.Combine(node.ManifestsDir, "etcd.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: etcd\n"
        );
        AssertRefused(
            node,
            "etcd.yaml: not a Pod manifest (apiVersion: v1, kind: ConfigMap; expected v1 Pod)",
            ["etcd", .. node.Flags]
        );
    }

    [Fact]
    public void A_probe_less_manifest_is_refused()
    {
        using var node = new ControlPlaneNode();
        var path = Path.Combine(node.ManifestsDir, "kube-apiserver.yaml");
        var text = File.ReadAllText(path);
        File.WriteAllText(
            path,
            text[..text.IndexOf("    livenessProbe:", StringComparison.Ordinal)] + "  hostNetwork: true\n"
        );
        AssertRefused(
            node,
            "kube-apiserver.yaml: the pod has no httpGet startupProbe, livenessProbe or readinessProbe, so its "
                + "health cannot be judged; refusing to restart it",
            ["kube-scheduler", "kube-apiserver", .. node.Flags]
        );
    }

    [Fact]
    public void Unreadable_kubelet_config()
    {
        using var node = new ControlPlaneNode();
        File.WriteAllText(node.KubeletConfig, "kind: KubeletConfiguration\nfileCheckFrequency: often\n");
        AssertRefused(
            node,
            $"{node.KubeletConfig}: fileCheckFrequency \"often\" is not a positive duration",
            ["etcd", .. node.Flags]
        );
        File.WriteAllText(node.KubeletConfig, "kind: [\n");
        AssertRefused(node, $"{node.KubeletConfig}: invalid YAML at line", ["etcd", .. node.Flags]);
        AssertRefused(
            node,
            "--kubelet-config /nonexistent/config.yaml: cannot read",
            ["etcd", "--kubeconfig-dir", node.KubeconfigDir, "--kubelet-config", "/nonexistent/config.yaml"]
        );
    }
}
