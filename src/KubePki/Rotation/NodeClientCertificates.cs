using KubePki.Cluster;

namespace KubePki.Rotation;

/// <summary>After <c>issue</c> of <c>ca</c>: every node's kubelet still presents a client certificate the old CA
/// signed. When the API can be reached, each node of its node list is named with the command that re-issues its
/// certificate with the CA that now signs; otherwise the printed steps' per-node template stands.</summary>
internal static class NodeClientCertificates
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static string Command(string node) =>
        $"kubepki kubeconfig user --client-name system:node:{node} --org system:nodes > kubelet-{node}.conf";

    public static void Print(string kubeconfigPath, TextWriter log)
    {
        using var client = KubeadmConfigMapClient.FromKubeconfig(kubeconfigPath, Timeout, out _);
        if (client is null)
        {
            return;
        }
        IReadOnlyList<string> nodes;
        try
        {
            nodes = client.NodeNames();
        }
        catch (KubePkiException)
        {
            return; // the API cannot be reached: the steps' template for each node NAME stands
        }
        if (nodes.Count == 0)
        {
            return;
        }
        log.WriteLine(
            $"[ca rotate] Kubelet client certificates to re-issue before finish, one per node of the API's node "
                + $"list (copy each to its node as /etc/kubernetes/kubelet.conf, root 0600, and restart its kubelet):"
        );
        foreach (var node in nodes)
        {
            log.WriteLine($"  {node}: {Command(node)}");
        }
    }
}
