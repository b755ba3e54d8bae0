using KubePki.Controller.Tests.Kubelet;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Cli;

/// <summary><c>kubepki kubelet enable-serving-bootstrap</c> on a file and on the kubelet-config ConfigMap.</summary>
public class KubeletCommandTests
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    [Fact]
    public async Task The_file_is_backed_up_rewritten_with_its_mode_and_a_second_run_changes_nothing()
    {
        using var dir = new TempDir("kubelet-config");
        var path = dir.Combine("config.yaml");
        File.WriteAllText(path, KubeletConfigs.Kubeadm);
        File.SetUnixFileMode(path, Mode0640);

        var first = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", path);

        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal(KubeletConfigs.Kubeadm + "serverTLSBootstrap: true\n", File.ReadAllText(path));
        Assert.Equal(Mode0640, File.GetUnixFileMode(path));
        var backup = Assert.Single(Directory.GetFiles(dir.Path, "config.yaml.kubepki-backup-*"));
        Assert.Equal(KubeletConfigs.Kubeadm, File.ReadAllText(backup));
        Assert.Equal(Mode0640, File.GetUnixFileMode(backup));
        Assert.Contains($"[kubelet] backed up {path} to {backup}\n", first.Out);
        Assert.Contains($"[kubelet] {path}: added serverTLSBootstrap: true\n", first.Out);
        Assert.Contains("\tsystemctl restart kubelet\n", first.Out);

        var second = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", path);

        Assert.Equal(
            (
                0,
                $"[kubelet] {path} already has serverTLSBootstrap: true and rotateCertificates: true; nothing changed\n"
            ),
            (second.ExitCode, second.Out)
        );
        Assert.Single(Directory.GetFiles(dir.Path, "config.yaml.kubepki-backup-*"));
        Assert.Equal(KubeletConfigs.Kubeadm + "serverTLSBootstrap: true\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task The_rewritten_file_and_its_backup_keep_the_owner_and_group()
    {
        using var dir = new TempDir("kubelet-config");
        var path = dir.Combine("config.yaml");
        File.WriteAllText(path, KubeletConfigs.Kubeadm);
        File.SetUnixFileMode(path, Mode0640);
        // A kubelet config owned by another user and group (the tests run as root, as CI does).
        await Tool("chown", "1234:2345", path);

        var result = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", path);

        Assert.True(result.ExitCode == 0, result.All);
        var backup = Assert.Single(Directory.GetFiles(dir.Path, "config.yaml.kubepki-backup-*"));
        Assert.Equal("1234:2345 640", await Tool("stat", "-c", "%u:%g %a", path));
        Assert.Equal("1234:2345 640", await Tool("stat", "-c", "%u:%g %a", backup));
    }

    [Fact]
    public async Task A_symlinked_config_is_edited_at_its_target_and_stays_a_link()
    {
        using var dir = new TempDir("kubelet-config");
        var target = dir.Combine("real.yaml");
        File.WriteAllText(target, "kind: KubeletConfiguration\nrotateCertificates: true\n");
        var link = dir.Combine("config.yaml");
        File.CreateSymbolicLink(link, target);

        var result = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", link);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(
            "kind: KubeletConfiguration\nrotateCertificates: true\nserverTLSBootstrap: true\n",
            File.ReadAllText(target)
        );
    }

    [Fact]
    public async Task A_missing_or_unusable_config_is_a_one_line_error_and_nothing_is_written()
    {
        using var dir = new TempDir("kubelet-config");
        var json = dir.Combine("config.json");
        File.WriteAllText(json, "{\"kind\":\"KubeletConfiguration\"}");

        var missing = await KubepkiProcess.RunAsync(
            "kubelet",
            "enable-serving-bootstrap",
            "--kubelet-config",
            dir.Combine("nope.yaml")
        );
        var flow = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", json);

        Assert.Equal(
            (1, $"error: --kubelet-config: {dir.Combine("nope.yaml")} does not exist"),
            (missing.ExitCode, missing.Error.Trim())
        );
        Assert.Equal(1, flow.ExitCode);
        Assert.Contains("flow-style (JSON)", flow.Error);
        Assert.Equal([json], Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("kind: KubeletConfiguration\nserverTLSBootstrap: &on false\nrotateCertificates: *on\n", "anchor &on")]
    [InlineData("kind: KubeletConfiguration\nserverTLSBootstrap: |\n  false\n", "block scalar")]
    [InlineData("kind: KubeletConfiguration\nserverTLSBootstrap: false\nserverTLSBootstrap: false\n", "duplicate key")]
    [InlineData("serverTLSBootstrap: false\n", "no \"kind: KubeletConfiguration\"")]
    [InlineData("kind: KubeletConfiguration\n---\nkind: KubeletConfiguration\n", "more than one YAML document")]
    public async Task A_config_it_cannot_rewrite_safely_is_refused_in_one_line_and_left_unchanged(
        string text,
        string why
    )
    {
        using var dir = new TempDir("kubelet-config");
        var path = dir.Combine("config.yaml");
        File.WriteAllText(path, text);

        var result = await KubepkiProcess.RunAsync("kubelet", "enable-serving-bootstrap", "--kubelet-config", path);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith($"error: {path}: ", line);
        Assert.Contains(why, line);
        Assert.Equal(text, File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task The_kubelet_config_configmap_is_updated_once_and_then_left_alone()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.AddConfigMap(
            "kube-system",
            "kubelet-config",
            new Dictionary<string, string> { ["kubelet"] = KubeletConfigs.Kubeadm }
        );
        int Puts() =>
            cluster.Server.RequestLog.Count(r =>
                r.StartsWith("PUT /api/v1/namespaces/kube-system/configmaps/", StringComparison.Ordinal)
            );

        var first = await KubepkiProcess.RunAsync(
            "kubelet",
            "enable-serving-bootstrap",
            "--kubeconfig",
            cluster.AdminConf
        );
        var second = await KubepkiProcess.RunAsync(
            "kubelet",
            "enable-serving-bootstrap",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains("[kubelet] ConfigMap kube-system/kubelet-config: added serverTLSBootstrap: true\n", first.Out);
        Assert.Contains("\tsystemctl restart kubelet\n", first.Out);
        Assert.Equal(
            KubeletConfigs.Kubeadm + "serverTLSBootstrap: true\n",
            cluster.Server.Store.ConfigMaps.Get("kube-system", "kubelet-config")!.Data["kubelet"]
        );
        Assert.Equal(
            (
                0,
                "[kubelet] ConfigMap kube-system/kubelet-config already has serverTLSBootstrap: true and "
                    + "rotateCertificates: true; nothing changed\n"
            ),
            (second.ExitCode, second.Out)
        );
        Assert.Equal(1, Puts());
    }

    [Fact]
    public async Task Before_kubeadm_1_24_the_newest_versioned_configmap_is_edited()
    {
        await using var cluster = await TestCluster.StartAsync();
        var old = "kind: KubeletConfiguration\nrotateCertificates: true\n";
        cluster.Server.Store.AddConfigMap(
            "kube-system",
            "kubelet-config-1.9",
            new Dictionary<string, string> { ["kubelet"] = old }
        );
        cluster.Server.Store.AddConfigMap(
            "kube-system",
            "kubelet-config-1.23",
            new Dictionary<string, string> { ["kubelet"] = old }
        );
        cluster.Server.Store.AddConfigMap(
            "kube-system",
            "kubelet-config-1.23-backup",
            new Dictionary<string, string> { ["kubelet"] = old }
        );

        var result = await KubepkiProcess.RunAsync(
            "kubelet",
            "enable-serving-bootstrap",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(
            old + "serverTLSBootstrap: true\n",
            cluster.Server.Store.ConfigMaps.Get("kube-system", "kubelet-config-1.23")!.Data["kubelet"]
        );
        Assert.Equal(old, cluster.Server.Store.ConfigMaps.Get("kube-system", "kubelet-config-1.9")!.Data["kubelet"]);
        Assert.Equal(
            old,
            cluster.Server.Store.ConfigMaps.Get("kube-system", "kubelet-config-1.23-backup")!.Data["kubelet"]
        );
    }

    [Fact]
    public async Task A_cluster_without_the_configmap_is_a_one_line_error()
    {
        await using var cluster = await TestCluster.StartAsync();

        var result = await KubepkiProcess.RunAsync(
            "kubelet",
            "enable-serving-bootstrap",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.Equal(
            (
                1,
                "error: neither ConfigMap kube-system/kubelet-config nor kube-system/kubelet-config-<version> "
                    + "exists; is this a kubeadm cluster?"
            ),
            (result.ExitCode, result.Error.Trim())
        );
    }

    private static async Task<string> Tool(string name, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(
            new System.Diagnostics.ProcessStartInfo(name, args) { RedirectStandardOutput = true }
        )!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', args)} failed");
        return output.Trim();
    }
}
