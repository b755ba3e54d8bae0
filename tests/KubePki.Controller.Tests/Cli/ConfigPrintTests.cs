using KubePki.TestKit;
using YamlDotNet.RepresentationModel;

namespace KubePki.Controller.Tests.Cli;

/// <summary><c>kubepki config print init-defaults</c>: kubeadm's documents, and kubepki's own init accepts
/// them.</summary>
public class ConfigPrintTests
{
    private static List<YamlMappingNode> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static string Field(YamlMappingNode map, params string[] path)
    {
        YamlNode node = map;
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node)[key];
        }
        return ((YamlScalarNode)node).Value!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_defaults_are_accepted_by_init_phase_certs_all(bool bootstrap)
    {
        using var dir = new TempDir("init-defaults");
        var printed = await KubepkiProcess.RunAsync(
            bootstrap
                ? ["config", "print", "init-defaults", "--kubelet-serving-bootstrap"]
                : ["config", "print", "init-defaults"]
        );
        var config = dir.Combine("kubeadm.yaml");
        File.WriteAllText(config, printed.Out);

        var init = await KubepkiProcess.RunAsync(
            "init",
            "phase",
            "certs",
            "all",
            "--config",
            config,
            "--cert-dir",
            dir.Combine("pki")
        );

        Assert.True(init.ExitCode == 0, init.All);
        Assert.DoesNotContain("WARNING", init.All);
        Assert.True(File.Exists(dir.Combine("pki", "ca.crt")));
        Assert.Contains(
            "[certs] apiserver serving cert is signed for DNS names [kubernetes kubernetes.default "
                + "kubernetes.default.svc kubernetes.default.svc.cluster.local node] and IPs [10.96.0.1 1.2.3.4]",
            init.Out
        );
        var documents = Documents(printed.Out);
        Assert.Equal(
            bootstrap
                ? ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"]
                : ["InitConfiguration", "ClusterConfiguration"],
            documents.Select(d => Field(d, "kind"))
        );
        Assert.Equal("kubeadm.k8s.io/v1beta4", Field(documents[1], "apiVersion"));
    }

    [Fact]
    public async Task With_serving_bootstrap_the_kubelet_bootstraps_and_the_controller_manager_signs_with_the_ca()
    {
        var printed = await KubepkiProcess.RunAsync("config", "print", "init-defaults", "--kubelet-serving-bootstrap");

        var documents = Documents(printed.Out);
        var kubelet = documents[2];
        Assert.Equal(
            ("kubelet.config.k8s.io/v1beta1", "true", "true"),
            (Field(kubelet, "apiVersion"), Field(kubelet, "serverTLSBootstrap"), Field(kubelet, "rotateCertificates"))
        );
        var extraArgs = (YamlSequenceNode)((YamlMappingNode)documents[1]["controllerManager"])["extraArgs"];
        Assert.Equal(
            [
                ("cluster-signing-cert-file", "/etc/kubernetes/pki/ca.crt"),
                ("cluster-signing-key-file", "/etc/kubernetes/pki/ca.key"),
            ],
            extraArgs.Children.Cast<YamlMappingNode>().Select(a => (Field(a, "name"), Field(a, "value")))
        );
        Assert.False(KubePki.Kubelet.ServingBootstrapEditor.Enable(printed.Out.Split("---\n")[2], "printed").Changed);
        Assert.DoesNotContain(
            "KubeletConfiguration",
            (await KubepkiProcess.RunAsync("config", "print", "init-defaults")).Out
        );
    }
}
