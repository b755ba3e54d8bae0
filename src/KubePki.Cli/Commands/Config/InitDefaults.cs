namespace KubePki.Cli.Commands.Config;

/// <summary>kubeadm's <c>config print init-defaults</c> output (kubeadm.k8s.io/v1beta4, kubeadm's placeholder values:
/// advertise address 1.2.3.4, node "node", token abcdef.0123456789abcdef). With serving bootstrap, the kubelet asks
/// the certificates API for its serving certificate and kube-controller-manager signs kubelet-serving CSRs with the
/// cluster CA once they are approved.</summary>
public static class InitDefaults
{
    public const string KubernetesVersion = "1.32.0";

    public static string Render(bool kubeletServingBootstrap)
    {
        var controllerManager = kubeletServingBootstrap
            ? """
                controllerManager:
                  extraArgs:
                  - name: cluster-signing-cert-file
                    value: /etc/kubernetes/pki/ca.crt
                  - name: cluster-signing-key-file
                    value: /etc/kubernetes/pki/ca.key
                """
            : "controllerManager: {}";
        var text = $$"""
            apiVersion: kubeadm.k8s.io/v1beta4
            bootstrapTokens:
            - groups:
              - system:bootstrappers:kubeadm:default-node-token
              token: abcdef.0123456789abcdef
              ttl: 24h0m0s
              usages:
              - signing
              - authentication
            kind: InitConfiguration
            localAPIEndpoint:
              advertiseAddress: 1.2.3.4
              bindPort: 6443
            nodeRegistration:
              criSocket: unix:///var/run/containerd/containerd.sock
              imagePullPolicy: IfNotPresent
              imagePullSerial: true
              name: node
              taints: null
            timeouts:
              controlPlaneComponentHealthCheck: 4m0s
              discovery: 5m0s
              etcdAPICall: 2m0s
              kubeletHealthCheck: 4m0s
              kubernetesAPICall: 1m0s
              tlsBootstrap: 5m0s
              upgradeManifests: 5m0s
            ---
            apiServer: {}
            apiVersion: kubeadm.k8s.io/v1beta4
            caCertificateValidityPeriod: 87600h0m0s
            certificateValidityPeriod: 8760h0m0s
            certificatesDir: /etc/kubernetes/pki
            clusterName: kubernetes
            {{controllerManager}}
            dns: {}
            encryptionAlgorithm: RSA-2048
            etcd:
              local:
                dataDir: /var/lib/etcd
            imageRepository: registry.k8s.io
            kind: ClusterConfiguration
            kubernetesVersion: {{KubernetesVersion}}
            networking:
              dnsDomain: cluster.local
              serviceSubnet: 10.96.0.0/12
            proxy: {}
            scheduler: {}

            """;
        if (kubeletServingBootstrap)
        {
            text += """
                ---
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                rotateCertificates: true
                serverTLSBootstrap: true

                """;
        }
        return text;
    }
}
