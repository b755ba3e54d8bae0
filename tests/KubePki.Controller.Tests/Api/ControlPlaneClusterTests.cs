using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Api;

/// <summary>One three-node cluster for the class: started once, disposed after its last test.</summary>
public sealed class ThreeNodeControlPlane : IAsyncLifetime
{
    public ControlPlaneCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ControlPlaneCluster.StartAsync(3);

    /// <summary>Disposes the cluster and fails the class when any process it started survived.</summary>
    public async Task DisposeAsync()
    {
        var root = Cluster.Root;
        await Cluster.DisposeAsync();
        var left = ExternalTool.Run("pgrep", ["-f", root]);
        if (left.ExitCode != 1)
        {
            throw new InvalidOperationException($"processes of the cluster survived its disposal: {left.All}");
        }
    }
}

/// <summary>The test kit's multi-node static-pod control plane: a real 3-member etcd cluster, one member per node,
/// each node's stand-ins healthy on its own IP, etcd writable throughout, the kube-apiserver fault switch, and
/// nothing left running after disposal.</summary>
[Collection(ControlPlaneClusterCollection.Name)]
public class ControlPlaneClusterTests(ThreeNodeControlPlane fixture) : IClassFixture<ThreeNodeControlPlane>
{
    private ControlPlaneCluster Cluster => fixture.Cluster;

    [Fact]
    public void Every_node_is_a_member_of_one_etcd_cluster_on_its_own_ip_and_shares_nothing_on_disk()
    {
        var list = Cluster.Etcdctl(Cluster["n2"], ["member", "list", "-w", "simple"]);
        Assert.True(list.ExitCode == 0, list.All);
        var lines = list.Out.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        foreach (var node in Cluster.Nodes)
        {
            Assert.Contains(
                lines,
                l =>
                    l.Contains(
                        $", started, {node.Name}, {node.EtcdPeerUrl}, {node.EtcdClientUrl},",
                        StringComparison.Ordinal
                    )
            );
        }
        Assert.Equal(["n1", "n2", "n3"], Cluster.NodeNames);
        Assert.Equal(["127.0.0.11", "127.0.0.12", "127.0.0.13"], Cluster.Nodes.Select(n => n.Ip));
        var health = Cluster.Etcdctl(Cluster["n3"], ["endpoint", "health"]);
        Assert.True(health.ExitCode == 0, health.All);

        // One set of CAs, copied; every leaf issued per node for that node.
        var n1 = Cluster["n1"];
        foreach (var node in Cluster.Nodes.Skip(1))
        {
            Assert.False(node.Root.StartsWith(n1.Root, StringComparison.Ordinal));
            foreach (var ca in ControlPlaneCluster.SharedCaFiles)
            {
                Assert.Equal(
                    File.ReadAllText(Path.Combine(n1.CertDir, ca)),
                    File.ReadAllText(Path.Combine(node.CertDir, ca))
                );
            }
            Assert.NotEqual(
                File.ReadAllText(Path.Combine(n1.CertDir, "apiserver.crt")),
                File.ReadAllText(Path.Combine(node.CertDir, "apiserver.crt"))
            );
        }
        var san = ExternalTool.OpensslOk(
            "x509",
            "-in",
            Path.Combine(Cluster["n2"].CertDir, "etcd", "peer.crt"),
            "-noout",
            "-ext",
            "subjectAltName"
        );
        Assert.Contains("IP Address:127.0.0.12", san);
        Assert.Contains("DNS:n2", san);
        var key = ExternalTool.OpensslOk(
            "pkey",
            "-in",
            Path.Combine(Cluster["n3"].CertDir, "apiserver.key"),
            "-noout",
            "-text"
        );
        Assert.Contains("NIST CURVE: P-256", key);
        Assert.Contains("fileCheckFrequency: 1s", File.ReadAllText(Cluster["n1"].KubeletConfig));
        Assert.Contains("advertiseAddress: 127.0.0.13", File.ReadAllText(Cluster["n3"].ConfigPath));
    }

    [Fact]
    public async Task Every_component_of_every_node_is_healthy_on_the_node_ip()
    {
        foreach (var node in Cluster.Nodes)
        {
            foreach (var component in StaticPodManifests.Components)
            {
                var (healthy, waiting) = await ControlPlaneCluster.CheckAsync(node, component);
                Assert.True(healthy, $"{node.Name} {component}: {waiting}");
                Assert.Contains($"https://{node.Ip}:", File.ReadAllText(Path.Combine(node.ManifestsDir, "etcd.yaml")));
            }
            var apiserver = File.ReadAllText(Path.Combine(node.ManifestsDir, "kube-apiserver.yaml"));
            Assert.Contains($"--etcd-servers={node.EtcdClientUrl}\n", apiserver);
            Assert.Contains($"--bind-address={node.Ip}\n", apiserver);
            Assert.Contains(
                $"--initial-cluster={Cluster.InitialCluster}\n",
                File.ReadAllText(Path.Combine(node.ManifestsDir, "etcd.yaml"))
            );
        }
    }

    [Fact]
    public async Task The_writer_loop_succeeds_throughout_and_keeps_every_key_while_nothing_restarts()
    {
        var starts = Cluster.Nodes.ToDictionary(n => n.Name, n => n.Starts());
        await using var writer = Cluster.StartEtcdWriter();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var report = await writer.StopAsync();

        Assert.True(report.Attempts >= 15, report.ToString());
        Assert.True(report.SuccessRatio >= 0.99, report.ToString());
        Assert.True(report.AllSuccessfulWritesReadable, report.ToString());
        Assert.True(report.LongestFailureRun < TimeSpan.FromSeconds(1), report.ToString());
        foreach (var node in Cluster.Nodes)
        {
            Assert.Equal(starts[node.Name], node.Starts());
        }
    }

    [Fact]
    public async Task With_one_member_stopped_etcd_keeps_quorum_and_the_member_comes_back()
    {
        var n2 = Cluster["n2"];
        await using var writer = Cluster.StartEtcdWriter(Cluster["n1"]);
        await Cluster.StopEtcdAsync(n2);
        Assert.False((await ControlPlaneCluster.CheckAsync(n2, "etcd")).Healthy);
        var down = Cluster.Etcdctl(Cluster["n1"], ["endpoint", "health"], n2.EtcdClientUrl);
        Assert.NotEqual(0, down.ExitCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await Cluster.StartEtcdAsync(n2);
        var report = await writer.StopAsync();

        Assert.True(report.SuccessRatio >= 0.9, report.ToString());
        Assert.True(report.AllSuccessfulWritesReadable, report.ToString());
        Assert.Equal(0, Cluster.Etcdctl(n2, ["endpoint", "health"]).ExitCode);
        Assert.Contains(n2.Kubelet.Events, e => e.Pod == "etcd" && e.What == "stopped");
    }

    [Fact]
    public async Task A_broken_kube_apiserver_never_becomes_healthy_until_the_fail_file_is_removed()
    {
        var n3 = Cluster["n3"];
        var manifest = Path.Combine(n3.ManifestsDir, "kube-apiserver.yaml");
        var held = Path.Combine(n3.HeldDir, "kube-apiserver.yaml");
        n3.BreakApiServer();
        try
        {
            // Still healthy: the switch only acts at a start.
            Assert.True((await ControlPlaneCluster.CheckAsync(n3, "kube-apiserver")).Healthy);
            File.Move(manifest, held);
            await n3.Kubelet.LookedAgainAsync();
            File.Move(held, manifest);
            await n3.Kubelet.LookedAgainAsync();
            await n3.Kubelet.LookedAgainAsync();
            Assert.Contains(n3.Kubelet.Events, e => e.Pod == "kube-apiserver" && e.What == "exited 1");
            Assert.Contains("kube-apiserver.fail exists", n3.Kubelet.LogOf("kube-apiserver"));
            Assert.False((await ControlPlaneCluster.CheckAsync(n3, "kube-apiserver")).Healthy);
            // The other nodes are untouched.
            Assert.True((await ControlPlaneCluster.CheckAsync(Cluster["n1"], "kube-apiserver")).Healthy);
        }
        finally
        {
            n3.RepairApiServer();
        }
        await Cluster.WaitHealthyAsync(n3, "kube-apiserver", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Dispose_stops_every_process_the_cluster_started()
    {
        var cluster = await ControlPlaneCluster.StartAsync(1);
        var root = cluster.Root;
        var running = ExternalTool.Run("pgrep", ["-f", root]);
        Assert.True(running.ExitCode == 0 && running.Out.Trim().Split('\n').Length == 4, running.All);

        await cluster.DisposeAsync();

        var left = ExternalTool.Run("pgrep", ["-f", root]);
        Assert.True(left.ExitCode == 1, $"still running: {left.Out}");
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task The_api_server_holds_a_control_plane_node_per_node_and_kubeadm_config()
    {
        await using var api = await TestCluster.StartAsync();
        ControlPlaneObjects.AddAll(api.Server.Store, Cluster);

        var nodes = api.Kubectl(
            "get",
            "nodes",
            "-l",
            "node-role.kubernetes.io/control-plane",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.addresses[?(@.type==\"InternalIP\")].address} {end}"
        );
        Assert.True(nodes.ExitCode == 0, nodes.All);
        Assert.Equal("n1=127.0.0.11 n2=127.0.0.12 n3=127.0.0.13", nodes.Out.Trim());
        var config = api.Server.Store.ConfigMaps.Get("kube-system", "kubeadm-config")!;
        Assert.Contains("certificatesDir: /etc/kubernetes/pki\n", config.Data["ClusterConfiguration"]);
    }
}
