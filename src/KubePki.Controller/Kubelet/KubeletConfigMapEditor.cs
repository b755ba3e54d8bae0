using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubePki.Kubelet;

namespace KubePki.Controller.Kubelet;

/// <summary>The cluster half of enable-serving-bootstrap: kubeadm keeps the KubeletConfiguration it gives every node in
/// the <c>kubelet</c> key of ConfigMap kube-system/kubelet-config (kubelet-config-&lt;major.minor&gt; before 1.24). The
/// update carries the resourceVersion it read, so a concurrent edit is refused rather than overwritten.</summary>
internal sealed partial class KubeletConfigMapEditor(IKubernetes client)
{
    public const string Namespace = "kube-system";
    public const string Name = "kubelet-config";
    public const string Key = "kubelet";

    /// <summary>The edit made to ConfigMap <paramref name="Name"/> (namespace/name); unchanged when nothing had to
    /// change.</summary>
    public sealed record Result(string Name, KubeletConfigEdit Edit);

    public async Task<Result> EnableAsync(CancellationToken cancellationToken)
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
            return new Result(name, edit);
        }
        map.Data[Key] = edit.Text;
        try
        {
            await client.CoreV1.ReplaceNamespacedConfigMapAsync(
                map,
                map.Metadata.Name,
                Namespace,
                cancellationToken: cancellationToken
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new KubePkiException(
                $"ConfigMap {name} was changed by someone else while it was being edited; run the command again"
            );
        }
        return new Result(name, edit);
    }

    private async Task<V1ConfigMap> FindAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedConfigMapAsync(
                Name,
                Namespace,
                cancellationToken: cancellationToken
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        var maps = await client.CoreV1.ListNamespacedConfigMapAsync(Namespace, cancellationToken: cancellationToken);
        var versioned = maps
            .Items.Select(m => (Map: m, Match: Versioned().Match(m.Metadata.Name)))
            .Where(m => m.Match.Success)
            .OrderByDescending(m => new Version(m.Match.Groups[1].Value))
            .Select(m => m.Map)
            .FirstOrDefault();
        return versioned
            ?? throw new KubePkiException(
                $"neither ConfigMap {Namespace}/{Name} nor "
                    + $"{Namespace}/{Name}-<version> exists; is this a kubeadm cluster?"
            );
    }

    [GeneratedRegex(@"^kubelet-config-(\d+\.\d+)$")]
    private static partial Regex Versioned();
}
