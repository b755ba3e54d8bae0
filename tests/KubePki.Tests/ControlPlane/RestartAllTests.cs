using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary><c>control-plane restart all</c> means the components whose manifest is in the manifests dir: with
/// external etcd there is no etcd.yaml, and, as kubeadm upgrade leaves external etcd alone, so does the
/// restart.</summary>
public sealed class RestartAllTests
{
    private static IReadOnlyList<string> WouldRestart(CliRunner.Result result) =>
        result
            .Out.Split('\n')
            .Where(l => l.StartsWith("[dryrun] Would restart \"", StringComparison.Ordinal))
            .Select(l => l.Split('"')[1])
            .ToList();

    [Fact]
    public void With_external_etcd_all_restarts_the_other_three_in_upgrade_order()
    {
        using var node = new ControlPlaneNode();
        File.Delete(Path.Combine(node.ManifestsDir, "etcd.yaml"));

        var result = CliRunner.Run(["control-plane", "restart", "all", "--dry-run", .. node.Flags]);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(["kube-apiserver", "kube-controller-manager", "kube-scheduler"], WouldRestart(result));
        Assert.Contains(
            $"[control-plane] No etcd.yaml in {node.ManifestsDir}: \"etcd\" is not a static pod on this node "
                + "(external etcd); leaving it alone\n",
            result.Out
        );
    }

    [Fact]
    public void With_every_manifest_present_all_restarts_the_four()
    {
        using var node = new ControlPlaneNode();

        var result = CliRunner.Run(["control-plane", "restart", "all", "--dry-run", .. node.Flags]);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"], WouldRestart(result));
        Assert.DoesNotContain("leaving it alone", result.Out);
    }

    [Fact]
    public void Etcd_named_explicitly_without_its_manifest_is_still_refused()
    {
        using var node = new ControlPlaneNode();
        var manifest = Path.Combine(node.ManifestsDir, "etcd.yaml");
        File.Delete(manifest);

        var result = CliRunner.Run(["control-plane", "restart", "etcd", "--dry-run", .. node.Flags]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {manifest}: no such static pod manifest\n", result.Error);
    }

    [Fact]
    public void A_manifests_dir_with_none_of_the_four_is_refused()
    {
        using var node = new ControlPlaneNode();
        foreach (var file in Directory.GetFiles(node.ManifestsDir))
        {
            File.Delete(file);
        }

        var result = CliRunner.Run(["control-plane", "restart", "all", "--dry-run", .. node.Flags]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal(
            $"error: --manifests-dir {node.ManifestsDir}: holds none of etcd.yaml, kube-apiserver.yaml, "
                + "kube-controller-manager.yaml, kube-scheduler.yaml\n",
            result.Error
        );
    }
}
