using KubePki.Configuration;

namespace KubePki.Tests.Configuration;

/// <summary>kubeadm's strict decoding: unknown fields at any depth warn with their full path; a kind given twice is an
/// error.</summary>
public class StrictConfigTests
{
    private static List<string> Warnings(string yaml)
    {
        var warnings = new List<string>();
        KubeadmConfigLoader.Load(yaml, "kubeadm.yaml", new ClusterConfig(), warnings);
        return warnings;
    }

    [Fact]
    public void A_misspelt_nested_field_warns_with_its_full_path()
    {
        var warnings = Warnings(
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  "
                + "certSans: [lb.example]\n"
        );
        Assert.Equal(
            ["[config] WARNING: kubeadm.yaml: unknown field \"apiServer.certSans\" in ClusterConfiguration"],
            warnings
        );
    }

    [Fact]
    public void Unknown_fields_are_found_in_lists_of_objects_and_in_init_configuration()
    {
        var warnings = Warnings(
            """
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: InitConfiguration
            nodeRegistration:
              nmae: cp-1
              taints:
              - key: a
                effekt: NoSchedule
            bootstrapTokens:
            - token: abcdef.0123456789abcdef
              ttl: 24h
            ---
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: ClusterConfiguration
            etcd:
              local:
                serverCertSans: [x]
                extraArgs:
                  anything-goes: "1"
            apiServer:
              extraVolumes:
              - name: v
                hostPath: /a
                mountPath: /a
                readonly: true
            networking:
              podSubnet: 10.244.0.0/16
            dns:
              imageTag: v1
            featureGates:
              AnyGate: true
            """
        );
        Assert.Equal(
            [
                "[config] WARNING: kubeadm.yaml: unknown field \"nodeRegistration.nmae\" in InitConfiguration",
                "[config] WARNING: kubeadm.yaml: unknown field \"nodeRegistration.taints[0].effekt\" in "
                    + "InitConfiguration",
                "[config] WARNING: kubeadm.yaml: unknown field \"etcd.local.serverCertSans\" in ClusterConfiguration",
                "[config] WARNING: kubeadm.yaml: unknown field \"apiServer.extraVolumes[0].readonly\" in "
                    + "ClusterConfiguration",
            ],
            warnings
        );
    }

    [Fact]
    public void Every_field_of_a_full_v1beta4_config_is_known()
    {
        var warnings = Warnings(
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            bootstrapTokens:
            - token: abcdef.0123456789abcdef
              description: d
              ttl: 24h
              usages: [signing, authentication]
              groups: [system:bootstrappers:kubeadm:default-node-token]
            nodeRegistration:
              name: cp-1
              criSocket: unix:///run/containerd/containerd.sock
              taints: []
              kubeletExtraArgs:
              - name: v
                value: "4"
              ignorePreflightErrors: [all]
              imagePullPolicy: IfNotPresent
              imagePullSerial: true
            localAPIEndpoint:
              advertiseAddress: 10.0.0.1
              bindPort: 6443
            certificateKey: abc
            skipPhases: [addon/kube-proxy]
            patches:
              directory: /p
            timeouts:
              controlPlaneComponentHealthCheck: 4m0s
              kubeletHealthCheck: 4m0s
              kubernetesAPICall: 1m0s
              etcdAPICall: 2m0s
              tlsBootstrap: 5m0s
              discovery: 5m0s
              upgradeManifests: 5m0s
            dryRun: false
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            etcd:
              local:
                imageRepository: r
                imageTag: t
                dataDir: /var/lib/etcd
                extraArgs:
                - name: a
                  value: b
                extraEnvs:
                - name: E
                  value: v
                serverCertSANs: [a]
                peerCertSANs: [b]
            networking:
              serviceSubnet: 10.96.0.0/12
              podSubnet: 10.244.0.0/16
              dnsDomain: cluster.local
            kubernetesVersion: v1.32.0
            controlPlaneEndpoint: api:6443
            apiServer:
              extraArgs: []
              extraVolumes:
              - name: v
                hostPath: /a
                mountPath: /a
                readOnly: true
                pathType: Directory
              extraEnvs: []
              certSANs: [c]
            controllerManager: {}
            scheduler: {}
            dns:
              disabled: false
              imageRepository: r
              imageTag: t
            proxy:
              disabled: false
            certificatesDir: /etc/kubernetes/pki
            imageRepository: registry.k8s.io
            featureGates: {}
            clusterName: kubernetes
            encryptionAlgorithm: RSA-2048
            certificateValidityPeriod: 8760h0m0s
            caCertificateValidityPeriod: 87600h0m0s
            """
        );
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("ClusterConfiguration")]
    [InlineData("InitConfiguration")]
    public void A_kind_given_twice_is_an_error_as_in_kubeadm(string kind)
    {
        var document = $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: {kind}\n";
        var e = Assert.Throws<KubePkiException>(() =>
            KubeadmConfigLoader.Load(document + "---\n" + document, "kubeadm.yaml", new ClusterConfig())
        );
        Assert.Equal(
            $"kubeadm.yaml: invalid configuration: kind \"{kind}\" is specified twice in YAML file",
            e.Message
        );
    }
}
