using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubePki.Cli.Commands.Csr;
using KubePki.Kubelet;

namespace KubePki.Cli.Commands.Kubelet;

/// <summary>The cluster half of enable-serving-bootstrap: kubeadm keeps the KubeletConfiguration it gives every node in
/// the <c>kubelet</c> key of ConfigMap kube-system/kubelet-config (kubelet-config-&lt;major.minor&gt; before 1.24). The
/// update carries the resourceVersion it read, so a concurrent edit is refused rather than overwritten.</summary>
public sealed partial class KubeletConfigMapEditor(IKubernetes client, TextWriter output)
{
    public const string Namespace = "kube-system";
    public const string Name = "kubelet-config";
    public const string Key = "kubelet";

    public async Task EnableAsync(CancellationToken cancellationToken)
    {
        var map = await FindAsync(cancellationToken);
        var name = $"{Namespace}/{map.Metadata.Name}";
        if (map.Data is null || !map.Data.TryGetValue(Key, out var text))
        {
            throw new KubePkiException($"ConfigMap {name} has no \"{Key}\" key");
        }
        var edit = ServingBootstrapEditor.Enable(text, $"ConfigMap {name} key {Key}");
        if (!edit.Changed)
        {
            output.WriteLine($"[kubelet] ConfigMap {name} already has serverTLSBootstrap: true and rotateCertificates: true; nothing changed");
            return;
        }
        map.Data[Key] = edit.Text;
        try
        {
            await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, map.Metadata.Name, Namespace, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (ApiCommandGuard.IsStatus(e, HttpStatusCode.Conflict))
        {
            throw new KubePkiException($"ConfigMap {name} was changed by someone else while it was being edited; run the command again");
        }
        foreach (var change in edit.Changes)
        {
            output.WriteLine($"[kubelet] ConfigMap {name}: {change}");
        }
        output.WriteLine("[kubelet] nodes pick this up on join or upgrade; on each existing node run");
        output.WriteLine("\tkubeadm upgrade node phase kubelet-config   (or: kubepki kubelet enable-serving-bootstrap --kubelet-config /var/lib/kubelet/config.yaml)");
        output.WriteLine("\tsystemctl restart kubelet");
    }

    private async Task<V1ConfigMap> FindAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedConfigMapAsync(Name, Namespace, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (ApiCommandGuard.IsStatus(e, HttpStatusCode.NotFound))
        {
        }
        var versioned = (await client.CoreV1.ListNamespacedConfigMapAsync(Namespace, cancellationToken: cancellationToken)).Items
            .Select(m => (Map: m, Match: Versioned().Match(m.Metadata.Name)))
            .Where(m => m.Match.Success)
            .OrderByDescending(m => new Version(m.Match.Groups[1].Value))
            .Select(m => m.Map)
            .FirstOrDefault();
        return versioned ?? throw new KubePkiException($"neither ConfigMap {Namespace}/{Name} nor {Namespace}/{Name}-<version> exists; is this a kubeadm cluster?");
    }

    [GeneratedRegex(@"^kubelet-config-(\d+\.\d+)$")]
    private static partial Regex Versioned();
}
