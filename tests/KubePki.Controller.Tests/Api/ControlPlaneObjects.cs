using k8s.Models;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Api;

/// <summary>What a kubeadm HA cluster's API holds about its control plane, for a <see cref="ControlPlaneCluster"/>:
/// one Node per node (label node-role.kubernetes.io/control-plane="", its NoSchedule taint, InternalIP = the node's
/// IP, Hostname = its name) and the kube-system/kubeadm-config ConfigMap with the ClusterConfiguration kubeadm
/// uploads.</summary>
public static class ControlPlaneObjects
{
    public const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";

    /// <summary>kubeadm's default, uploaded as is: each node's own files are found through its agent's flags.</summary>
    public const string DefaultCertificatesDir = "/etc/kubernetes/pki";

    public static IReadOnlyList<V1Node> AddNodes(ApiStore store, ControlPlaneCluster cluster) =>
        cluster.Nodes.Select(n => AddNode(store, n.Name, n.Ip)).ToList();

    public static V1Node AddNode(ApiStore store, string name, string ip) =>
        store.Nodes.Create(
            new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Labels = new Dictionary<string, string>
                    {
                        [ControlPlaneLabel] = "",
                        ["kubernetes.io/hostname"] = name,
                        ["kubernetes.io/os"] = "linux",
                    },
                },
                Spec = new V1NodeSpec { Taints = [new V1Taint { Key = ControlPlaneLabel, Effect = "NoSchedule" }] },
                Status = new V1NodeStatus
                {
                    Addresses =
                    [
                        new V1NodeAddress { Type = "InternalIP", Address = ip },
                        new V1NodeAddress { Type = "Hostname", Address = name },
                    ],
                },
            },
            TimeProvider.System
        );

    /// <summary>kube-system/kubeadm-config with the ClusterConfiguration key, as kubeadm init uploads it.</summary>
    public static V1ConfigMap AddKubeadmConfig(ApiStore store, string certificatesDir = DefaultCertificatesDir) =>
        store.AddConfigMap(
            "kube-system",
            "kubeadm-config",
            new Dictionary<string, string> { ["ClusterConfiguration"] = ClusterConfiguration(certificatesDir) }
        );

    public static string ClusterConfiguration(string certificatesDir) =>
        $"""
            apiServer: {"{}"}
            apiVersion: kubeadm.k8s.io/v1beta4
            caCertificateValidityPeriod: 87600h0m0s
            certificateValidityPeriod: 8760h0m0s
            certificatesDir: {certificatesDir}
            clusterName: kubernetes
            controllerManager: {"{}"}
            dns: {"{}"}
            encryptionAlgorithm: ECDSA-P256
            etcd:
              local:
                dataDir: /var/lib/etcd
            imageRepository: registry.k8s.io
            kind: ClusterConfiguration
            kubernetesVersion: v1.32.0
            networking:
              dnsDomain: cluster.local
              serviceSubnet: 10.96.0.0/12
            proxy: {"{}"}
            scheduler: {"{}"}

            """;

    /// <summary>The Nodes and kubeadm-config of <paramref name="cluster"/>.</summary>
    public static void AddAll(
        ApiStore store,
        ControlPlaneCluster cluster,
        string certificatesDir = DefaultCertificatesDir
    )
    {
        AddNodes(store, cluster);
        AddKubeadmConfig(store, certificatesDir);
    }
}
