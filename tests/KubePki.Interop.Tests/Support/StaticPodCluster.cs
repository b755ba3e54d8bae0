using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>A one-node static-pod control plane: a kubeadm-style /etc/kubernetes tree made by kubepki (ECDSA),
/// kubeadm's
/// four manifests, a kubelet config (fileCheckFrequency 1s), and the test kit's stand-in kubelet running them: the REAL
/// etcd with kubeadm's flags and probes, and stand-ins for kube-apiserver, kube-controller-manager,
/// kube-scheduler.</summary>
public sealed class StaticPodCluster : IAsyncLifetime
{
    public static readonly TimeSpan FileCheckFrequency = TimeSpan.FromSeconds(1);

    private readonly TempDir _root = new("interop-static-pods");
    private StandInKubelet? _kubelet;

    public StaticPodCluster()
    {
        EtcdClientPort = FreePort.On("127.0.0.1");
        EtcdPeerPort = FreePort.On("127.0.0.1");
        EtcdMetricsPort = FreePort.On("127.0.0.1");
        ApiServerPort = FreePort.On("127.0.0.1");
        ControllerManagerPort = FreePort.On("127.0.0.1");
        SchedulerPort = FreePort.On("127.0.0.1");
    }

    public string Root => _root.Path;

    public string KubeconfigDir => _root.Combine("kubernetes");

    public string CertDir => Path.Combine(KubeconfigDir, "pki");

    public string ManifestsDir => Path.Combine(KubeconfigDir, "manifests");

    public string KubeletConfig => _root.Combine("kubelet", "config.yaml");

    public string ConfigPath => _root.Combine("kubeadm-config.yaml");

    public string EtcdDataDir => _root.Combine("etcd-data");

    public int EtcdClientPort { get; }

    public int EtcdPeerPort { get; }

    public int EtcdMetricsPort { get; }

    public int ApiServerPort { get; }

    public int ControllerManagerPort { get; }

    public int SchedulerPort { get; }

    public StandInKubelet Kubelet => _kubelet!;

    /// <summary>The flags every kubepki command here takes to find this node's files.</summary>
    public string[] NodeFlags =>
        [
            "--config",
            ConfigPath,
            "--cert-dir",
            CertDir,
            "--kubeconfig-dir",
            KubeconfigDir,
            "--kubelet-config",
            KubeletConfig,
        ];

    public string[] RestartFlags => ["--kubeconfig-dir", KubeconfigDir, "--kubelet-config", KubeletConfig];

    public async Task InitializeAsync()
    {
        File.WriteAllText(
            ConfigPath,
            $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: node1
            localAPIEndpoint:
              advertiseAddress: 127.0.0.1
              bindPort: {ApiServerPort}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: ECDSA-P256
            certificatesDir: {CertDir}
            etcd:
              local:
                dataDir: {EtcdDataDir}
            """
        );
        var clock = Kubepki.NowClock();
        Kubepki.Run(clock, "init", "phase", "certs", "all", "--config", ConfigPath);
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--config",
            ConfigPath,
            "--kubeconfig-dir",
            KubeconfigDir
        );
        Directory.CreateDirectory(ManifestsDir);
        Directory.CreateDirectory(
            EtcdDataDir,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        );
        StaticPodManifests.WriteAll(Spec, ManifestsDir);
        Directory.CreateDirectory(Path.GetDirectoryName(KubeletConfig)!);
        File.WriteAllText(
            KubeletConfig,
            $"""
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            staticPodPath: {ManifestsDir}
            fileCheckFrequency: 1s
            """
        );
        _kubelet = new StandInKubelet(ManifestsDir, FileCheckFrequency, _root.Combine("kubelet", "logs"));
        await WaitHealthyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until every component passes its manifest's probes (as a kubelet would judge it).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var probe = new HttpComponentProbe();
        var health = new ComponentHealth(probe);
        var deadline = DateTime.UtcNow + timeout;
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            var manifest = StaticPodManifest.Load(Path.Combine(ManifestsDir, component.ManifestFileName));
            while (true)
            {
                var snapshot = await health.CheckAsync(component, manifest, CancellationToken.None);
                if (snapshot.Healthy)
                {
                    break;
                }
                Assert.True(
                    DateTime.UtcNow < deadline,
                    $"{component.Name} not healthy: {snapshot.Waiting}\n{Kubelet.LogOf(component.Name)}"
                );
                await Task.Delay(200);
            }
        }
    }

    /// <summary>How often the stand-in kubelet started each pod so far.</summary>
    public IReadOnlyDictionary<string, int> Starts() =>
        Kubelet.Events.Where(e => e.What == "started").GroupBy(e => e.Pod).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>File name → content of every file in the manifests dir.</summary>
    public IReadOnlyDictionary<string, string> ManifestsSnapshot() =>
        Directory
            .GetFiles(ManifestsDir)
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToDictionary(p => Path.GetFileName(p), File.ReadAllText);

    public EtcdClientCert EtcdClient =>
        new(
            Path.Combine(CertDir, "etcd", "ca.crt"),
            Path.Combine(CertDir, "apiserver-etcd-client.crt"),
            Path.Combine(CertDir, "apiserver-etcd-client.key")
        );

    public ExternalTool.Result Etcdctl(params string[] args) =>
        ExternalTool.Run(
            "etcdctl",
            [
                "--cacert",
                EtcdClient.CaCert,
                "--cert",
                EtcdClient.Cert,
                "--key",
                EtcdClient.Key,
                "--endpoints",
                $"https://127.0.0.1:{EtcdClientPort}",
                "--dial-timeout=2s",
                "--command-timeout=5s",
                .. args,
            ]
        );

    /// <summary>This node for kubeadm's manifests: 127.0.0.1, member node1 alone in its etcd cluster.</summary>
    public StaticPodNodeSpec Spec =>
        new()
        {
            NodeIp = "127.0.0.1",
            KubeconfigDir = KubeconfigDir,
            CertDir = CertDir,
            EtcdDataDir = EtcdDataDir,
            EtcdName = "node1",
            EtcdClientPort = EtcdClientPort,
            EtcdPeerPort = EtcdPeerPort,
            EtcdMetricsPort = EtcdMetricsPort,
            ApiServerPort = ApiServerPort,
            ControllerManagerPort = ControllerManagerPort,
            SchedulerPort = SchedulerPort,
            // Loopback only: a port free on every address is not to be taken from a test on 127.0.0.11.
            BindApiServerToNodeIp = true,
        };

    public string Manifest(string component) => StaticPodManifests.Manifest(Spec, component);

    public async Task DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }
        _root.Dispose();
    }
}
