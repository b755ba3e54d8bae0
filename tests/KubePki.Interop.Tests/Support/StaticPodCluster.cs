using System.Net;
using System.Net.Sockets;
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
        EtcdClientPort = FreePort();
        EtcdPeerPort = FreePort();
        EtcdMetricsPort = FreePort();
        ApiServerPort = FreePort();
        ControllerManagerPort = FreePort();
        SchedulerPort = FreePort();
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
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            File.WriteAllText(Path.Combine(ManifestsDir, component.ManifestFileName), Manifest(component.Name));
            File.SetUnixFileMode(
                Path.Combine(ManifestsDir, component.ManifestFileName),
                UnixFileMode.UserRead | UnixFileMode.UserWrite
            );
        }
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

    public string Manifest(string component) =>
        component switch
        {
            "etcd" => $"""
                apiVersion: v1
                kind: Pod
                metadata:
                  annotations:
                    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://127.0.0.1:{EtcdClientPort}
                  creationTimestamp: null
                  labels:
                    component: etcd
                    tier: control-plane
                  name: etcd
                  namespace: kube-system
                spec:
                  containers:
                  - command:
                    - etcd
                    - --advertise-client-urls=https://127.0.0.1:{EtcdClientPort}
                    - --cert-file={CertDir}/etcd/server.crt
                    - --client-cert-auth=true
                    - --data-dir={EtcdDataDir}
                    - --experimental-initial-corrupt-check=true
                    - --experimental-watch-progress-notify-interval=5s
                    - --initial-advertise-peer-urls=https://127.0.0.1:{EtcdPeerPort}
                    - --initial-cluster=node1=https://127.0.0.1:{EtcdPeerPort}
                    - --key-file={CertDir}/etcd/server.key
                    - --listen-client-urls=https://127.0.0.1:{EtcdClientPort}
                    - --listen-metrics-urls=http://127.0.0.1:{EtcdMetricsPort}
                    - --listen-peer-urls=https://127.0.0.1:{EtcdPeerPort}
                    - --name=node1
                    - --peer-cert-file={CertDir}/etcd/peer.crt
                    - --peer-client-cert-auth=true
                    - --peer-key-file={CertDir}/etcd/peer.key
                    - --peer-trusted-ca-file={CertDir}/etcd/ca.crt
                    - --snapshot-count=10000
                    - --trusted-ca-file={CertDir}/etcd/ca.crt
                    image: registry.k8s.io/etcd:3.5.15-0
                    imagePullPolicy: IfNotPresent
                    livenessProbe:
                      failureThreshold: 8
                      httpGet:
                        host: 127.0.0.1
                        path: /health?exclude=NOSPACE&serializable=true
                        port: {EtcdMetricsPort}
                        scheme: HTTP
                      initialDelaySeconds: 10
                      periodSeconds: 10
                      timeoutSeconds: 15
                    name: etcd
                    resources:
                      requests:
                        cpu: 100m
                        memory: 100Mi
                    startupProbe:
                      failureThreshold: 24
                      httpGet:
                        host: 127.0.0.1
                        path: /health?serializable=false
                        port: {EtcdMetricsPort}
                        scheme: HTTP
                      initialDelaySeconds: 10
                      periodSeconds: 10
                      timeoutSeconds: 15
                    volumeMounts:
                    - mountPath: {EtcdDataDir}
                      name: etcd-data
                    - mountPath: {CertDir}/etcd
                      name: etcd-certs
                  hostNetwork: true
                  priority: 2000001000
                  priorityClassName: system-node-critical
                  securityContext:
                    seccompProfile:
                      type: RuntimeDefault
                  volumes:
                  - hostPath:
                      path: {CertDir}/etcd
                      type: DirectoryOrCreate
                    name: etcd-certs
                  - hostPath:
                      path: {EtcdDataDir}
                      type: DirectoryOrCreate
                    name: etcd-data
                status: {"{}"}

                """,
            "kube-apiserver" => Pod(
                "kube-apiserver",
                [
                    $"--advertise-address=127.0.0.1",
                    $"--client-ca-file={CertDir}/ca.crt",
                    $"--etcd-cafile={CertDir}/etcd/ca.crt",
                    $"--etcd-certfile={CertDir}/apiserver-etcd-client.crt",
                    $"--etcd-keyfile={CertDir}/apiserver-etcd-client.key",
                    $"--etcd-servers=https://127.0.0.1:{EtcdClientPort}",
                    $"--kubelet-client-certificate={CertDir}/apiserver-kubelet-client.crt",
                    $"--kubelet-client-key={CertDir}/apiserver-kubelet-client.key",
                    $"--proxy-client-cert-file={CertDir}/front-proxy-client.crt",
                    $"--proxy-client-key-file={CertDir}/front-proxy-client.key",
                    $"--secure-port={ApiServerPort}",
                    $"--tls-cert-file={CertDir}/apiserver.crt",
                    $"--tls-private-key-file={CertDir}/apiserver.key",
                ],
                ApiServerPort,
                [("livenessProbe", "/livez"), ("readinessProbe", "/readyz"), ("startupProbe", "/livez")]
            ),
            "kube-controller-manager" => Pod(
                "kube-controller-manager",
                [
                    $"--authentication-kubeconfig={KubeconfigDir}/controller-manager.conf",
                    $"--authorization-kubeconfig={KubeconfigDir}/controller-manager.conf",
                    "--bind-address=127.0.0.1",
                    $"--client-ca-file={CertDir}/ca.crt",
                    "--cluster-name=kubernetes",
                    $"--cluster-signing-cert-file={CertDir}/ca.crt",
                    $"--cluster-signing-key-file={CertDir}/ca.key",
                    "--controllers=*,bootstrapsigner,tokencleaner",
                    $"--kubeconfig={KubeconfigDir}/controller-manager.conf",
                    "--leader-elect=true",
                    $"--requestheader-client-ca-file={CertDir}/front-proxy-ca.crt",
                    $"--root-ca-file={CertDir}/ca.crt",
                    $"--secure-port={ControllerManagerPort}",
                    $"--service-account-private-key-file={CertDir}/sa.key",
                    "--use-service-account-credentials=true",
                ],
                ControllerManagerPort,
                [("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]
            ),
            "kube-scheduler" => Pod(
                "kube-scheduler",
                [
                    $"--authentication-kubeconfig={KubeconfigDir}/scheduler.conf",
                    $"--authorization-kubeconfig={KubeconfigDir}/scheduler.conf",
                    "--bind-address=127.0.0.1",
                    $"--kubeconfig={KubeconfigDir}/scheduler.conf",
                    "--leader-elect=true",
                    $"--secure-port={SchedulerPort}",
                ],
                SchedulerPort,
                [("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]
            ),
            _ => throw new ArgumentException(component),
        };

    private static string Pod(
        string name,
        IReadOnlyList<string> flags,
        int port,
        IReadOnlyList<(string Kind, string Path)> probes
    )
    {
        var command = string.Concat(StandInKubelet.StandInCommand(name).Concat(flags).Select(a => $"    - {a}\n"));
        var probeText = string.Concat(
            probes.Select(p =>
                $"""
                        {p.Kind}:
                          failureThreshold: 8
                          httpGet:
                            host: 127.0.0.1
                            path: {p.Path}
                            port: {port}
                            scheme: HTTPS
                          initialDelaySeconds: 10
                          periodSeconds: 10
                          timeoutSeconds: 15

                    """
            )
        );
        return $"""
                apiVersion: v1
                kind: Pod
                metadata:
                  creationTimestamp: null
                  labels:
                    component: {name}
                    tier: control-plane
                  name: {name}
                  namespace: kube-system
                spec:
                  containers:
                  - command:

                """
            + command
            + $"""
                    image: registry.k8s.io/{name}:v1.32.0
                    imagePullPolicy: IfNotPresent
                    name: {name}

                """
            + probeText
            + """
                  hostNetwork: true
                  priorityClassName: system-node-critical
                status: {}

                """;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }
        _root.Dispose();
    }
}
