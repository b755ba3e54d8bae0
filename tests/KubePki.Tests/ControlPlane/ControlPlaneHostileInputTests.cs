using System.Diagnostics;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>Control-plane inputs an attacker (or an accident) can shape: a FIFO or a device where the kubelet config
/// or a manifest is read, YAML nested far deeper than any real file. Each gets one line naming the file, exit 1,
/// within seconds, nothing moved.</summary>
public sealed class ControlPlaneHostileInputTests
{
    /// <summary>200,000 levels of flow sequences: enough to overflow the stack of a recursive tree builder.</summary>
    private static readonly string Deep = new string('[', 200_000) + new string(']', 200_000);

    /// <summary>Runs the command in a task: one that blocks (on a FIFO) fails the test instead of hanging it, and the
    /// FIFO is opened for writing so the stuck reader can finish.</summary>
    private static CliRunner.Result WithinSeconds(int seconds, string? fifo, params string[] args)
    {
        var task = Task.Run(() => CliRunner.Run(["control-plane", .. args]));
        if (!task.Wait(TimeSpan.FromSeconds(seconds)))
        {
            if (fifo is not null)
            {
                Process.Start("sh", ["-c", "echo > \"$0\"", fifo])?.Dispose();
            }
            Assert.Fail($"control-plane {string.Join(' ', args)} did not finish within {seconds} s");
        }
        return task.Result;
    }

    private static void AssertRefused(ControlPlaneNode node, CliRunner.Result result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        var line = result.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.Equal("error: " + expected, line);
        Assert.False(Directory.Exists(node.TmpDir));
    }

    private static void MakeFifo(string path)
    {
        File.Delete(path);
        var made = ExternalTool.Run("mkfifo", [path]);
        Assert.True(made.ExitCode == 0, made.All);
    }

    [Fact]
    public void A_fifo_as_the_kubelet_config_is_refused_instead_of_hanging()
    {
        using var node = new ControlPlaneNode();
        MakeFifo(node.KubeletConfig);
        var result = WithinSeconds(30, node.KubeletConfig, ["restart", "etcd", .. node.Flags]);
        AssertRefused(
            node,
            result,
            $"--kubelet-config {node.KubeletConfig} is a FIFO, not a regular file; refusing to read it"
        );
    }

    [Fact]
    public void A_kubelet_config_linked_to_dev_zero_is_refused_instead_of_read_until_memory_runs_out()
    {
        using var node = new ControlPlaneNode();
        File.Delete(node.KubeletConfig);
        File.CreateSymbolicLink(node.KubeletConfig, "/dev/zero");
        var result = WithinSeconds(30, null, ["restart", "etcd", .. node.Flags]);
        AssertRefused(
            node,
            result,
            $"--kubelet-config {node.KubeletConfig} is a character device, not a regular file; refusing to read it"
        );
    }

    [Fact]
    public void A_kubelet_config_nested_200000_levels_deep_is_refused_not_a_stack_overflow()
    {
        using var node = new ControlPlaneNode();
        File.WriteAllText(node.KubeletConfig, "kind: KubeletConfiguration\nstaticPodPath: " + Deep + "\n");
        var result = WithinSeconds(60, null, ["restart", "etcd", .. node.Flags]);
        AssertRefused(node, result, $"{node.KubeletConfig}: invalid YAML at line 2: nesting deeper than 64 levels");
    }

    [Fact]
    public void A_fifo_as_a_manifest_is_refused_instead_of_hanging()
    {
        using var node = new ControlPlaneNode();
        var manifest = Path.Combine(node.ManifestsDir, "kube-scheduler.yaml");
        MakeFifo(manifest);
        var result = WithinSeconds(30, manifest, ["restart", "all", "--dry-run", .. node.Flags]);
        AssertRefused(node, result, $"{manifest} is a FIFO, not a regular file; refusing to read it");
    }

    [Fact]
    public void A_manifest_nested_200000_levels_deep_is_refused_not_a_stack_overflow()
    {
        using var node = new ControlPlaneNode();
        var manifest = Path.Combine(node.ManifestsDir, "etcd.yaml");
        File.WriteAllText(manifest, "apiVersion: v1\nkind: Pod\nmetadata: " + Deep + "\n");
        var result = WithinSeconds(60, null, ["restart", "etcd", .. node.Flags]);
        AssertRefused(node, result, $"{manifest}: invalid YAML at line 3: nesting deeper than 64 levels");
    }
}
