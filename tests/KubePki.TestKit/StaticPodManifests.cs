namespace KubePki.TestKit;

/// <summary>One control-plane node's part of kubeadm's static pod manifests: where its files are, the address it
/// listens on and its ports, and its etcd member's name and the cluster it belongs to.</summary>
public sealed record StaticPodNodeSpec
{
    public required string NodeIp { get; init; }

    public required string KubeconfigDir { get; init; }

    public required string CertDir { get; init; }

    public required string EtcdDataDir { get; init; }

    /// <summary>The etcd member name: the node name, as kubeadm names it.</summary>
    public required string EtcdName { get; init; }

    public required int EtcdClientPort { get; init; }

    public required int EtcdPeerPort { get; init; }

    public required int EtcdMetricsPort { get; init; }

    public required int ApiServerPort { get; init; }

    public required int ControllerManagerPort { get; init; }

    public required int SchedulerPort { get; init; }

    /// <summary>--initial-cluster: every member as name=peer URL; by default this member alone (kubeadm
    /// init).</summary>
    public string? InitialCluster { get; init; }

    /// <summary>Adds --bind-address=<see cref="NodeIp"/> to kube-apiserver (kubeadm leaves it out: every address), so
    /// nodes sharing one machine listen apart.</summary>
    public bool BindApiServerToNodeIp { get; init; }

    public string EtcdClientUrl => $"https://{NodeIp}:{EtcdClientPort}";

    public string EtcdPeerUrl => $"https://{NodeIp}:{EtcdPeerPort}";
}

/// <summary>kubeadm's four static pod manifests (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) for one
/// node, with kubeadm's flags and probes: the REAL etcd binary, and the stand-ins (<see cref="StandInKubelet"/>'s
/// <see cref="StandInKubelet.StandInCommand"/>) for the three others.</summary>
public static class StaticPodManifests
{
    public static readonly IReadOnlyList<string> Components =
    [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
    ];

    /// <summary>Writes the four manifests (0600, as kubeadm does) into <paramref name="manifestsDir"/>.</summary>
    public static void WriteAll(StaticPodNodeSpec node, string manifestsDir)
    {
        Directory.CreateDirectory(manifestsDir);
        foreach (var component in Components)
        {
            var path = Path.Combine(manifestsDir, component + ".yaml");
            File.WriteAllText(path, "");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(path, Manifest(node, component));
        }
    }

    public static string Manifest(StaticPodNodeSpec node, string component)
    {
        var (ip, certDir, kubeconfigDir) = (node.NodeIp, node.CertDir, node.KubeconfigDir);
        return component switch
        {
            "etcd" => Etcd(node),
            "kube-apiserver" => Pod(
                "kube-apiserver",
                [
                    $"--advertise-address={ip}",
                    .. node.BindApiServerToNodeIp ? new[] { $"--bind-address={ip}" } : [],
                    $"--client-ca-file={certDir}/ca.crt",
                    $"--etcd-cafile={certDir}/etcd/ca.crt",
                    $"--etcd-certfile={certDir}/apiserver-etcd-client.crt",
                    $"--etcd-keyfile={certDir}/apiserver-etcd-client.key",
                    $"--etcd-servers={node.EtcdClientUrl}",
                    $"--kubelet-client-certificate={certDir}/apiserver-kubelet-client.crt",
                    $"--kubelet-client-key={certDir}/apiserver-kubelet-client.key",
                    $"--proxy-client-cert-file={certDir}/front-proxy-client.crt",
                    $"--proxy-client-key-file={certDir}/front-proxy-client.key",
                    $"--secure-port={node.ApiServerPort}",
                    $"--tls-cert-file={certDir}/apiserver.crt",
                    $"--tls-private-key-file={certDir}/apiserver.key",
                ],
                ip,
                node.ApiServerPort,
                [("livenessProbe", "/livez"), ("readinessProbe", "/readyz"), ("startupProbe", "/livez")]
            ),
            "kube-controller-manager" => Pod(
                "kube-controller-manager",
                [
                    $"--authentication-kubeconfig={kubeconfigDir}/controller-manager.conf",
                    $"--authorization-kubeconfig={kubeconfigDir}/controller-manager.conf",
                    $"--bind-address={ip}",
                    $"--client-ca-file={certDir}/ca.crt",
                    "--cluster-name=kubernetes",
                    $"--cluster-signing-cert-file={certDir}/ca.crt",
                    $"--cluster-signing-key-file={certDir}/ca.key",
                    "--controllers=*,bootstrapsigner,tokencleaner",
                    $"--kubeconfig={kubeconfigDir}/controller-manager.conf",
                    "--leader-elect=true",
                    $"--requestheader-client-ca-file={certDir}/front-proxy-ca.crt",
                    $"--root-ca-file={certDir}/ca.crt",
                    $"--secure-port={node.ControllerManagerPort}",
                    $"--service-account-private-key-file={certDir}/sa.key",
                    "--use-service-account-credentials=true",
                ],
                ip,
                node.ControllerManagerPort,
                [("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]
            ),
            "kube-scheduler" => Pod(
                "kube-scheduler",
                [
                    $"--authentication-kubeconfig={kubeconfigDir}/scheduler.conf",
                    $"--authorization-kubeconfig={kubeconfigDir}/scheduler.conf",
                    $"--bind-address={ip}",
                    $"--kubeconfig={kubeconfigDir}/scheduler.conf",
                    "--leader-elect=true",
                    $"--secure-port={node.SchedulerPort}",
                ],
                ip,
                node.SchedulerPort,
                [("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]
            ),
            _ => throw new ArgumentException($"not a control-plane component: {component}", nameof(component)),
        };
    }

    private static string Etcd(StaticPodNodeSpec node)
    {
        var (ip, certDir, dataDir) = (node.NodeIp, node.CertDir, node.EtcdDataDir);
        var initialCluster = node.InitialCluster ?? $"{node.EtcdName}={node.EtcdPeerUrl}";
        return $"""
            apiVersion: v1
            kind: Pod
            metadata:
              annotations:
                kubeadm.kubernetes.io/etcd.advertise-client-urls: {node.EtcdClientUrl}
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
                - --advertise-client-urls={node.EtcdClientUrl}
                - --cert-file={certDir}/etcd/server.crt
                - --client-cert-auth=true
                - --data-dir={dataDir}
                - --experimental-initial-corrupt-check=true
                - --experimental-watch-progress-notify-interval=5s
                - --initial-advertise-peer-urls={node.EtcdPeerUrl}
                - --initial-cluster={initialCluster}
                - --key-file={certDir}/etcd/server.key
                - --listen-client-urls={node.EtcdClientUrl}
                - --listen-metrics-urls=http://{ip}:{node.EtcdMetricsPort}
                - --listen-peer-urls={node.EtcdPeerUrl}
                - --name={node.EtcdName}
                - --peer-cert-file={certDir}/etcd/peer.crt
                - --peer-client-cert-auth=true
                - --peer-key-file={certDir}/etcd/peer.key
                - --peer-trusted-ca-file={certDir}/etcd/ca.crt
                - --snapshot-count=10000
                - --trusted-ca-file={certDir}/etcd/ca.crt
                image: registry.k8s.io/etcd:3.5.15-0
                imagePullPolicy: IfNotPresent
                livenessProbe:
                  failureThreshold: 8
                  httpGet:
                    host: {ip}
                    path: /health?exclude=NOSPACE&serializable=true
                    port: {node.EtcdMetricsPort}
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
                    host: {ip}
                    path: /health?serializable=false
                    port: {node.EtcdMetricsPort}
                    scheme: HTTP
                  initialDelaySeconds: 10
                  periodSeconds: 10
                  timeoutSeconds: 15
                volumeMounts:
                - mountPath: {dataDir}
                  name: etcd-data
                - mountPath: {certDir}/etcd
                  name: etcd-certs
              hostNetwork: true
              priority: 2000001000
              priorityClassName: system-node-critical
              securityContext:
                seccompProfile:
                  type: RuntimeDefault
              volumes:
              - hostPath:
                  path: {certDir}/etcd
                  type: DirectoryOrCreate
                name: etcd-certs
              - hostPath:
                  path: {dataDir}
                  type: DirectoryOrCreate
                name: etcd-data
            status: {"{}"}

            """;
    }

    private static string Pod(
        string name,
        IReadOnlyList<string> flags,
        string host,
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
                            host: {host}
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
}
