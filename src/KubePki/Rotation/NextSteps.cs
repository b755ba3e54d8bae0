using KubePki.Configuration;

namespace KubePki.Rotation;

/// <summary>What lies outside this node after each phase: other control-plane nodes, every node's kubelet, joining
/// nodes and pods. Pure text for the CLI to print.</summary>
internal static class NextSteps
{
    private const string WorkerCa = "/etc/kubernetes/pki/ca.crt";
    private const string WorkerKubeletConf = "/etc/kubernetes/kubelet.conf";

    public static IReadOnlyList<string> AfterStart(
        RotationTarget target,
        RotationFiles files,
        ClusterConfig config,
        RotationCas cas
    )
    {
        var name = target.Ca.Name;
        var caFile = CaFile(target, config);
        var steps = new List<string>
        {
            $"On every other control-plane node, copy {files.NewCert} and {files.NewKey} there (key 0600) and run the "
                + $"same phase with the same new CA: kubepki ca rotate start {name} --new-ca-cert <copy of "
                + $"new-ca.crt> --new-ca-key <copy of new-ca.key>",
            $"Restart {Components(target)} on every control-plane node, one node at a time, so that they trust both "
                + $"CAs.",
        };
        if (name == "ca")
        {
            steps.Add(
                $"kube-controller-manager keeps signing with the old CA alone until `issue`: its manifest's "
                    + $"{ControllerManagerSigning.CertFlag}/{ControllerManagerSigning.KeyFlag} name "
                    + $"{files.OldCert}/{files.OldKey} (one certificate, as it requires), while --client-ca-file and "
                    + $"--root-ca-file trust both CAs; finish and abort put kubeadm's manifest back."
            );
            steps.Add(
                $"Before `issue` runs on any node, on every node, control-plane nodes included: the kubelet reads its "
                    + $"clientCAFile and kubelet.conf only when it starts, so restart it (systemctl restart kubelet) "
                    + $"once they trust both CAs. On this node --restart-control-plane does so "
                    + $"(--kubelet-restart-command); on worker nodes first replace {WorkerCa} with {caFile} (old + "
                    + $"new) and put the same bundle in the certificate-authority-data of {WorkerKubeletConf}."
            );
            steps.Add(JoinStep("now carries both CAs", cas.New.Certificate, cas.Old.Certificate));
            steps.Add(
                "Pods: the kube-root-ca.crt ConfigMap of every namespace follows kube-controller-manager's "
                    + "--root-ca-file (this ca.crt); once it has restarted they carry both CAs. Restart pods that read "
                    + "the CA only at start-up."
            );
            steps.Add(
                "Copies of admin.conf handed out to users still trust only the old CA: hand out the new "
                    + "admin.conf."
            );
        }
        else if (name == "front-proxy-ca")
        {
            steps.Add(
                "Aggregated API servers read the front-proxy CA from the extension-apiserver-authentication "
                    + "ConfigMap that kube-apiserver publishes from --requestheader-client-ca-file: they see both CAs "
                    + "once it has restarted."
            );
        }
        else
        {
            steps.Add(
                "Restart the etcd members one at a time and wait for `etcdctl endpoint health` on all of them "
                    + "before the next; clients of etcd outside this node need the bundle too."
            );
        }
        steps.Add(
            $"When every node trusts both CAs, run `kubepki ca rotate issue {name}` on every control-plane " + $"node."
        );
        return steps;
    }

    public static IReadOnlyList<string> AfterIssue(RotationTarget target, ClusterConfig config)
    {
        var name = target.Ca.Name;
        var steps = new List<string>
        {
            $"Run `kubepki ca rotate issue {name}` on every other control-plane node too.",
            $"Restart {Components(target)} on every control-plane node, one node at a time, so that they use the "
                + $"certificates the new CA signed.",
        };
        if (name == "ca")
        {
            steps.Add(
                "kube-controller-manager signs with the new CA from its restart on (its signing flags name "
                    + "new-ca.crt/new-ca.key of the rotation)."
            );
            steps.Add(NodeClientStep("the old CA", "before `finish`", config));
            steps.Add(
                "Hand out the new admin.conf to users: copies taken before `start` are no longer accepted by an "
                    + "API server serving a certificate of the new CA."
            );
        }
        steps.Add(
            $"When nothing signed by the old CA is left in use, run `kubepki ca rotate finish {name}` on every "
                + $"control-plane node."
        );
        return steps;
    }

    public static IReadOnlyList<string> AfterFinish(RotationTarget target, ClusterConfig config, RotationCas cas)
    {
        var name = target.Ca.Name;
        var steps = new List<string>
        {
            $"Run `kubepki ca rotate finish {name}` on every other control-plane node too.",
            $"Restart {Components(target)} on every control-plane node, one node at a time: from then on only what "
                + $"the new CA signed is accepted.",
        };
        if (name == "ca")
        {
            steps.Add(
                $"On every node, control-plane nodes included, restart the kubelet (systemctl restart kubelet) so "
                    + $"that it trusts the new CA alone (on this node --restart-control-plane does so); on worker "
                    + $"nodes first replace {WorkerCa} with {CaFile(target, config)} (new CA only) and the "
                    + $"certificate-authority-data of {WorkerKubeletConf}."
            );
            steps.Add(JoinStep("now carries the new CA alone", cas.New.Certificate, null));
            steps.Add(
                "Pods: the kube-root-ca.crt ConfigMaps follow kube-controller-manager's --root-ca-file and drop "
                    + "the old CA after its restart."
            );
        }
        return steps;
    }

    public static IReadOnlyList<string> AfterAbort(
        RotationTarget target,
        ClusterConfig config,
        RotationCas cas,
        bool fromIssued
    )
    {
        var name = target.Ca.Name;
        var steps = new List<string>
        {
            $"Run `kubepki ca rotate abort {name}` on every other control-plane node too.",
            $"Restart {Components(target)} on every control-plane node, one node at a time, so that they trust and "
                + $"use the old CA alone again.",
        };
        if (name == "ca")
        {
            steps.Add(
                $"On every node, control-plane nodes included, restart the kubelet (systemctl restart kubelet) so "
                    + $"that it trusts the old CA alone again (on this node --restart-control-plane does so); on "
                    + $"worker nodes first put back the old {WorkerCa} ({CaFile(target, config)}) and kubelet.conf's "
                    + $"certificate-authority-data. kube-root-ca.crt ConfigMaps follow kube-controller-manager."
            );
            if (fromIssued)
            {
                steps.Add(NodeClientStep("the new CA", "before the kubelets trust the old CA alone", config));
            }
            steps.Add(JoinStep("carries the old CA alone again", cas.Old.Certificate, null));
        }
        return steps;
    }

    /// <summary>Node client certificates are re-issued per node, concretely: a kubelet.conf made here, or a new CSR
    /// through TLS bootstrap.</summary>
    private static string NodeClientStep(string signer, string when, ClusterConfig config)
    {
        var here =
            config.NodeName.Length > 0
                ? $" For this node: kubepki kubeconfig user --client-name system:node:{config.NodeName} --org "
                    + $"system:nodes > kubelet-{config.NodeName}.conf."
                : "";
        return $"Kubelet client certificates signed by {signer} must be re-issued {when}, on every node, "
            + $"control-plane nodes included (see a node's with `openssl x509 -noout -issuer -in "
            + $"/var/lib/kubelet/pki/kubelet-client-current.pem`). For each node NAME, either: run here `kubepki "
            + $"kubeconfig user --client-name system:node:NAME --org system:nodes > kubelet-NAME.conf`, copy it to "
            + $"NAME as {WorkerKubeletConf} (root, 0600) and restart NAME's kubelet; or (the CSR path) on NAME write "
            + $"a bootstrap kubeconfig with a token from `kubeadm token create` to "
            + $"/etc/kubernetes/bootstrap-kubelet.conf, remove {WorkerKubeletConf} and "
            + $"/var/lib/kubelet/pki/kubelet-client-*, and restart the kubelet: kube-controller-manager signs its "
            + $"new CSR with the CA that signs now.{here}";
    }

    private static string JoinStep(
        string carries,
        System.Security.Cryptography.X509Certificates.X509Certificate2 ca,
        System.Security.Cryptography.X509Certificates.X509Certificate2? alsoUntilFinish
    ) =>
        $"Joining nodes: ConfigMap {ClusterInfo.Namespace}/{ClusterInfo.Name} {carries} (updated through "
        + $"--kubeconfig, or by the command printed below); `kubeadm join` takes --discovery-token-ca-cert-hash "
        + $"{ClusterInfo.DiscoveryHash(ca)}"
        + (
            alsoUntilFinish is null
                ? "."
                : $" (the old CA's {ClusterInfo.DiscoveryHash(alsoUntilFinish)} is accepted until finish)."
        );

    private static string CaFile(RotationTarget target, ClusterConfig config) =>
        Path.Combine(config.CertificatesDir, target.Ca.BaseName + ".crt");

    private static string Components(RotationTarget target) => string.Join(", ", target.Components);
}
