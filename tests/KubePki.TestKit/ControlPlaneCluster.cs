using KubePki.ControlPlane;

namespace KubePki.TestKit;

/// <summary>One simulated control-plane node of a <see cref="ControlPlaneCluster"/>: its own directory tree (nothing
/// shared with the other nodes), loopback IP, ports, kubeadm config and stand-in kubelet.</summary>
public sealed class ControlPlaneNode
{
    internal ControlPlaneNode(string name, string ip, string root)
    {
        Name = name;
        Ip = ip;
        Root = root;
        EtcdClientPort = FreePort.On(ip);
        EtcdPeerPort = FreePort.On(ip);
        EtcdMetricsPort = FreePort.On(ip);
        ApiServerPort = FreePort.On(ip);
        ControllerManagerPort = FreePort.On(ip);
        SchedulerPort = FreePort.On(ip);
    }

    /// <summary>The node name (n1, n2, ...): also its etcd member name, as kubeadm names members.</summary>
    public string Name { get; }

    /// <summary>The node's address (127.0.0.11, .12, ...): advertiseAddress, every component binds it.</summary>
    public string Ip { get; }

    /// <summary>Everything of this node lives under here.</summary>
    public string Root { get; }

    /// <summary>The node's /etc/kubernetes: kubeconfigs, pki/, manifests/, tmp/.</summary>
    public string KubeconfigDir => Path.Combine(Root, "kubernetes");

    public string CertDir => Path.Combine(KubeconfigDir, "pki");

    public string ManifestsDir => Path.Combine(KubeconfigDir, "manifests");

    /// <summary>kubeadm's tmp dir (/etc/kubernetes/tmp): where manifests are held while a component is
    /// restarted.</summary>
    public string TmpDir => Path.Combine(KubeconfigDir, "tmp");

    /// <summary>The kubelet's config.yaml: staticPodPath = <see cref="ManifestsDir"/>, fileCheckFrequency 1s.</summary>
    public string KubeletConfig => Path.Combine(Root, "kubelet", "config.yaml");

    public string KubeletLogDir => Path.Combine(Root, "kubelet", "logs");

    /// <summary>This node's kubeadm config (InitConfiguration with its node name and advertiseAddress, and the
    /// cluster's ClusterConfiguration).</summary>
    public string ConfigPath => Path.Combine(Root, "kubeadm-config.yaml");

    public string EtcdDataDir => Path.Combine(Root, "etcd-data");

    /// <summary>Where <see cref="ControlPlaneCluster.StopEtcdAsync"/> keeps the etcd manifest while etcd is down
    /// (outside the kubeconfig dir, so no kubepki command sees it).</summary>
    public string HeldDir => Path.Combine(Root, "held");

    /// <summary>While this file exists the node's kube-apiserver stand-in exits 1 at every start.</summary>
    public string ApiServerFailFile => Path.Combine(KubeconfigDir, "kube-apiserver.fail");

    public int EtcdClientPort { get; }

    public int EtcdPeerPort { get; }

    public int EtcdMetricsPort { get; }

    public int ApiServerPort { get; }

    public int ControllerManagerPort { get; }

    public int SchedulerPort { get; }

    public string EtcdClientUrl => $"https://{Ip}:{EtcdClientPort}";

    public string EtcdPeerUrl => $"https://{Ip}:{EtcdPeerPort}";

    public StandInKubelet Kubelet { get; internal set; } = null!;

    /// <summary>The flags every kubepki command on certificates takes to work on this node's files.</summary>
    public IReadOnlyList<string> NodeFlags =>
        ["--config", ConfigPath, "--cert-dir", CertDir, "--kubeconfig-dir", KubeconfigDir];

    /// <summary>The flags of a command that restarts this node's static pods (certs renew, the agent).</summary>
    public IReadOnlyList<string> RestartFlags => ["--manifests-dir", ManifestsDir, "--kubelet-config", KubeletConfig];

    /// <summary>How often the stand-in kubelet started each pod so far.</summary>
    public IReadOnlyDictionary<string, int> Starts() =>
        Kubelet.Events.Where(e => e.What == "started").GroupBy(e => e.Pod).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Makes the kube-apiserver fail at its next (and every later) start: it never becomes healthy again
    /// until <see cref="RepairApiServer"/>.</summary>
    public void BreakApiServer() => File.WriteAllText(ApiServerFailFile, "");

    /// <summary>The operator's repair: the stand-in kubelet's next restart of kube-apiserver succeeds.</summary>
    public void RepairApiServer() => File.Delete(ApiServerFailFile);

    internal StaticPodNodeSpec Spec(string initialCluster) =>
        new()
        {
            NodeIp = Ip,
            KubeconfigDir = KubeconfigDir,
            CertDir = CertDir,
            EtcdDataDir = EtcdDataDir,
            EtcdName = Name,
            EtcdClientPort = EtcdClientPort,
            EtcdPeerPort = EtcdPeerPort,
            EtcdMetricsPort = EtcdMetricsPort,
            ApiServerPort = ApiServerPort,
            ControllerManagerPort = ControllerManagerPort,
            SchedulerPort = SchedulerPort,
            InitialCluster = initialCluster,
            BindApiServerToNodeIp = true,
        };
}

/// <summary>A kubeadm-style HA control plane on one machine: N nodes (n1..nN on 127.0.0.11..), each with its own
/// /etc/kubernetes-like tree, kubeadm's four static pod manifests and a <see cref="StandInKubelet"/> running them —
/// the REAL etcd as a member of one N-member cluster, stand-ins for kube-apiserver, kube-controller-manager and
/// kube-scheduler bound to the node's IP. The CAs (ca, front-proxy-ca, etcd/ca, sa) are made once on n1 and copied to
/// the others, as kubeadm join --control-plane does; every leaf certificate and kubeconfig is issued per node by
/// kubepki with that node's kubeadm config (ECDSA-P256). Disposal stops every process it started.</summary>
public sealed class ControlPlaneCluster : IAsyncDisposable
{
    public static readonly TimeSpan FileCheckFrequency = TimeSpan.FromSeconds(1);

    /// <summary>The CA files a joining control-plane node gets from the first (kubeadm's shared
    /// certificates).</summary>
    public static readonly IReadOnlyList<string> SharedCaFiles =
    [
        "ca.crt",
        "ca.key",
        "front-proxy-ca.crt",
        "front-proxy-ca.key",
        "etcd/ca.crt",
        "etcd/ca.key",
        "sa.key",
        "sa.pub",
    ];

    private readonly TempDir _root;

    private ControlPlaneCluster(TempDir root, IReadOnlyList<ControlPlaneNode> nodes)
    {
        _root = root;
        Nodes = nodes;
    }

    /// <summary>Every process of the cluster has this directory in its command line (for pgrep -f).</summary>
    public string Root => _root.Path;

    public IReadOnlyList<ControlPlaneNode> Nodes { get; }

    public ControlPlaneNode this[string name] =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"no node {name}", nameof(name));

    public IReadOnlyList<string> NodeNames => Nodes.Select(n => n.Name).ToList();

    /// <summary>Every member's client URL, comma-separated (etcdctl --endpoints).</summary>
    public string EtcdEndpoints => string.Join(",", Nodes.Select(n => n.EtcdClientUrl));

    public string InitialCluster => string.Join(",", Nodes.Select(n => $"{n.Name}={n.EtcdPeerUrl}"));

    /// <summary>Makes every node's files and starts every node's kubelet; returns once every component of every node
    /// is healthy (or throws <see cref="TimeoutException"/> with the logs).</summary>
    public static async Task<ControlPlaneCluster> StartAsync(
        int nodes = 3,
        TimeSpan? timeout = null,
        DateTimeOffset? issuedAt = null
    )
    {
        if (nodes is < 1 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, "1 to 9 nodes");
        }
        var root = new TempDir("control-plane");
        var list = Enumerable
            .Range(1, nodes)
            .Select(i => new ControlPlaneNode($"n{i}", $"127.0.0.{10 + i}", root.Combine($"n{i}")))
            .ToList();
        var cluster = new ControlPlaneCluster(root, list);
        try
        {
            cluster.WriteNodes(issuedAt);
            foreach (var node in list)
            {
                node.Kubelet = new StandInKubelet(node.ManifestsDir, FileCheckFrequency, node.KubeletLogDir);
            }
            await Task.WhenAll(list.Select(n => cluster.WaitHealthyAsync(n, timeout ?? TimeSpan.FromSeconds(60))));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    // issuedAt: when the CAs and certificates say they were issued (the past makes them expire sooner).
    private void WriteNodes(DateTimeOffset? issuedAt)
    {
        TimeProvider clock = issuedAt is { } at
            ? new Microsoft.Extensions.Time.Testing.FakeTimeProvider(at)
            : new NowClock();
        var first = Nodes[0];
        foreach (var node in Nodes)
        {
            Directory.CreateDirectory(node.Root);
            File.WriteAllText(node.ConfigPath, ConfigYaml(node));
            if (node != first)
            {
                foreach (var file in SharedCaFiles)
                {
                    var target = Path.Combine(node.CertDir, file);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(Path.Combine(first.CertDir, file), target);
                    File.SetUnixFileMode(target, File.GetUnixFileMode(Path.Combine(first.CertDir, file)));
                }
            }
            Kubepki(clock, "init", "phase", "certs", "all", "--config", node.ConfigPath);
            Kubepki(
                clock,
                "init",
                "phase",
                "kubeconfig",
                "all",
                "--config",
                node.ConfigPath,
                "--kubeconfig-dir",
                node.KubeconfigDir
            );
            Directory.CreateDirectory(node.TmpDir);
            Directory.CreateDirectory(node.HeldDir);
            Directory.CreateDirectory(
                node.EtcdDataDir,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
            StaticPodManifests.WriteAll(node.Spec(InitialCluster), node.ManifestsDir);
            Directory.CreateDirectory(Path.GetDirectoryName(node.KubeletConfig)!);
            File.WriteAllText(
                node.KubeletConfig,
                $"""
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                staticPodPath: {node.ManifestsDir}
                fileCheckFrequency: 1s
                """
            );
        }
    }

    /// <summary>The node's kubeadm config: its name and advertiseAddress, the cluster's ClusterConfiguration.</summary>
    public static string ConfigYaml(ControlPlaneNode node) =>
        $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {node.Name}
            localAPIEndpoint:
              advertiseAddress: {node.Ip}
              bindPort: {node.ApiServerPort}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            clusterName: kubernetes
            encryptionAlgorithm: ECDSA-P256
            certificatesDir: {node.CertDir}
            etcd:
              local:
                dataDir: {node.EtcdDataDir}
            """;

    private static void Kubepki(TimeProvider clock, params string[] args)
    {
        var result = CliRunner.Run(clock, FixtureKeys.Shared, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"kubepki {string.Join(' ', args)} exited {result.ExitCode}: {result.All}"
            );
        }
    }

    /// <summary>Waits until every component of the node passes its manifest's probes and serves the certificate on
    /// disk (as the library's restart machinery judges health).</summary>
    public async Task WaitHealthyAsync(ControlPlaneNode node, TimeSpan timeout)
    {
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            await WaitHealthyAsync(node, component.Name, timeout);
        }
    }

    /// <summary>Waits until one component of the node is healthy.</summary>
    public async Task WaitHealthyAsync(ControlPlaneNode node, string component, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (healthy, waiting) = await CheckAsync(node, component);
            if (healthy)
            {
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"{node.Name}: {component} not healthy within {timeout}: {waiting}\n{node.Kubelet.LogOf(component)}"
                );
            }
            await Task.Delay(200);
        }
    }

    /// <summary>One health look at a component of a node: healthy, or what is still awaited.</summary>
    public static async Task<(bool Healthy, string Waiting)> CheckAsync(ControlPlaneNode node, string component)
    {
        var manifestPath = Path.Combine(node.ManifestsDir, component + ".yaml");
        if (!File.Exists(manifestPath))
        {
            return (false, $"no manifest {manifestPath}");
        }
        using var probe = new HttpComponentProbe();
        var snapshot = await new ComponentHealth(probe).CheckAsync(
            ControlPlaneComponent.Parse(component),
            StaticPodManifest.Load(manifestPath),
            CancellationToken.None
        );
        return (snapshot.Healthy, snapshot.Waiting);
    }

    /// <summary>Stops the node's etcd member the way an operator does on a kubeadm node: its manifest is moved out of
    /// the manifests dir (into <see cref="ControlPlaneNode.HeldDir"/>) and the kubelet stops the pod. Returns once the
    /// kubelet has stopped it.</summary>
    public async Task StopEtcdAsync(ControlPlaneNode node)
    {
        File.Move(Path.Combine(node.ManifestsDir, "etcd.yaml"), Path.Combine(node.HeldDir, "etcd.yaml"));
        await node.Kubelet.LookedAgainAsync();
    }

    /// <summary>Moves the etcd manifest back; returns once the member is healthy again.</summary>
    public async Task StartEtcdAsync(ControlPlaneNode node, TimeSpan? timeout = null)
    {
        File.Move(Path.Combine(node.HeldDir, "etcd.yaml"), Path.Combine(node.ManifestsDir, "etcd.yaml"));
        await WaitHealthyAsync(node, "etcd", timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>The node's etcd client certificate (etcd/healthcheck-client) for etcdctl or an
    /// <see cref="EtcdWriter"/>.</summary>
    public static EtcdClientFiles EtcdClient(ControlPlaneNode node) =>
        new(
            Path.Combine(node.CertDir, "etcd", "ca.crt"),
            Path.Combine(node.CertDir, "etcd", "healthcheck-client.crt"),
            Path.Combine(node.CertDir, "etcd", "healthcheck-client.key")
        );

    /// <summary>etcdctl with <paramref name="node"/>'s client certificate against every member (or
    /// <paramref name="endpoints"/>).</summary>
    public ExternalTool.Result Etcdctl(ControlPlaneNode node, IEnumerable<string> args, string? endpoints = null)
    {
        var client = EtcdClient(node);
        return ExternalTool.Run(
            "etcdctl",
            [
                "--cacert",
                client.CaCert,
                "--cert",
                client.Cert,
                "--key",
                client.Key,
                "--endpoints",
                endpoints ?? EtcdEndpoints,
                "--dial-timeout=2s",
                "--command-timeout=5s",
                .. args,
            ],
            timeout: TimeSpan.FromSeconds(30)
        );
    }

    /// <summary>Starts an <see cref="EtcdWriter"/> against every member with <paramref name="node"/>'s client
    /// certificate (n1's by default).</summary>
    public EtcdWriter StartEtcdWriter(ControlPlaneNode? node = null, TimeSpan? interval = null) =>
        EtcdWriter.Start(
            Nodes.Select(n => n.EtcdClientUrl).ToList(),
            EtcdClient(node ?? Nodes[0]),
            interval ?? TimeSpan.FromMilliseconds(100)
        );

    /// <summary>Stops every node's kubelet, which stops every pod it runs (SIGTERM, then SIGKILL).</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Where(n => n.Kubelet is not null).Select(n => n.Kubelet.DisposeAsync().AsTask()));
        _root.Dispose();
    }
}

/// <summary>A CA file plus a client certificate and key for etcd.</summary>
public sealed record EtcdClientFiles(string CaCert, string Cert, string Key);
