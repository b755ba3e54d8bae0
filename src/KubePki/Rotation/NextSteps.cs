using KubePki.Configuration;

namespace KubePki.Rotation;

/// <summary>What lies outside this node after each phase: other control-plane nodes, worker kubelets and pods. Pure
/// text for the CLI to print.</summary>
internal static class NextSteps
{
    public static IReadOnlyList<string> AfterStart(RotationTarget target, RotationFiles files, ClusterConfig config)
    {
        var name = target.Ca.Name;
        var caFile = Path.Combine(config.CertificatesDir, target.Ca.BaseName + ".crt");
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
                $"Before `issue` runs on any node: on every worker node, replace /etc/kubernetes/pki/ca.crt "
                    + $"with {caFile} (old + new) and put the same bundle in the certificate-authority-data of "
                    + $"/etc/kubernetes/kubelet.conf, then restart the kubelet."
            );
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
                "Worker kubelets keep client certificates the old CA signed: kube-controller-manager now signs "
                    + "with the new CA, so have each kubelet rotate its client certificate (certificate "
                    + "rotation) before "
                    + "`finish`; nodes joined with a bootstrap token need nothing else."
            );
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

    public static IReadOnlyList<string> AfterFinish(RotationTarget target, ClusterConfig config)
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
                $"On every worker node, replace /etc/kubernetes/pki/ca.crt with "
                    + $"{Path.Combine(config.CertificatesDir, "ca.crt")} (new CA only) and the "
                    + $"certificate-authority-data "
                    + $"of /etc/kubernetes/kubelet.conf, then restart the kubelet."
            );
            steps.Add(
                "Pods: the kube-root-ca.crt ConfigMaps follow kube-controller-manager's --root-ca-file and drop "
                    + "the old CA after its restart."
            );
        }
        return steps;
    }

    public static IReadOnlyList<string> AfterAbort(RotationTarget target, ClusterConfig config)
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
                $"On every worker node, put back the old /etc/kubernetes/pki/ca.crt "
                    + $"({Path.Combine(config.CertificatesDir, "ca.crt")}) and kubelet.conf's "
                    + $"certificate-authority-data, "
                    + $"then restart the kubelet; kube-root-ca.crt ConfigMaps follow kube-controller-manager."
            );
        }
        return steps;
    }

    private static string Components(RotationTarget target) => string.Join(", ", target.Components);
}
