using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Agent;

/// <summary>The agent's and <c>cluster</c> commands' only way to the cluster, limited to what deploy/agent's RBAC
/// grants: control-plane Nodes (list, merge-patch of our two annotations), Events on them, and the kubeadm-config
/// ConfigMap (get).</summary>
internal sealed class ClusterApi(IKubernetes client)
{
    public const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";

    public IKubernetes Client => client;

    public async Task<IReadOnlyList<NodeView>> ControlPlaneNodesAsync(CancellationToken cancellationToken)
    {
        var list = await client
            .CoreV1.ListNodeAsync(labelSelector: ControlPlaneLabel, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return
        [
            .. ((IEnumerable<V1Node>)list.Items)
                .Select(n => new NodeView(
                    n.Metadata.Name,
                    NodeReport.FromJson(Annotation(n, NodeReport.Annotation)),
                    Annotation(n, NodeReport.RequestAnnotation)
                ))
                .OrderBy(n => n.Name, StringComparer.Ordinal),
        ];
    }

    /// <summary><c>kubepki cluster renew</c>: marks every control-plane Node with a new renewal request, its value the
    /// request's time to the tick (two requests in one second still differ); the names of the Nodes asked.</summary>
    public async Task<IReadOnlyList<string>> RequestRenewalAsync(
        DateTimeOffset now,
        CancellationToken cancellationToken
    )
    {
        var nodes = await ControlPlaneNodesAsync(cancellationToken).ConfigureAwait(false);
        if (nodes.Count == 0)
        {
            throw new KubePkiException($"no Node is labelled {ControlPlaneLabel}");
        }
        var request = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        foreach (var node in nodes)
        {
            await AnnotateAsync(node.Name, NodeReport.RequestAnnotation, request, cancellationToken)
                .ConfigureAwait(false);
        }
        return [.. nodes.Select(n => n.Name)];
    }

    /// <summary>Refuses to run for a node that is not a control-plane Node of this cluster (a typo in --node-name
    /// would otherwise wait forever).</summary>
    public async Task CheckNodeAsync(string node, CancellationToken cancellationToken)
    {
        V1Node found;
        try
        {
            found = await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound)
        {
            throw new KubePkiException($"--node-name {node}: no such Node");
        }
        if (found.Metadata.Labels?.ContainsKey(ControlPlaneLabel) != true)
        {
            throw new KubePkiException($"--node-name {node}: the Node is not labelled {ControlPlaneLabel}");
        }
    }

    private static string? Annotation(V1Node node, string key) =>
        node.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;

    public Task PublishAsync(string node, NodeReport report, CancellationToken cancellationToken) =>
        AnnotateAsync(node, NodeReport.Annotation, report.ToJson(), cancellationToken);

    public Task AnnotateAsync(string node, string key, string value, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } },
        };
        return client.CoreV1.PatchNodeAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            node,
            cancellationToken: cancellationToken
        );
    }

    /// <summary>An Event on the Node, as the kubelet records node events (namespace default).</summary>
    public async Task EventAsync(
        string node,
        string type,
        string reason,
        string message,
        DateTimeOffset now,
        CancellationToken cancellationToken
    )
    {
        var at = now.UtcDateTime;
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{node}.{now.ToUnixTimeMilliseconds():x}{Random.Shared.Next(0x1000):x3}",
                NamespaceProperty = "default",
            },
            InvolvedObject = new V1ObjectReference
            {
                Kind = "Node",
                Name = node,
                Uid = node,
                ApiVersion = "v1",
            },
            Reason = reason,
            Message = message,
            Type = type,
            Source = new V1EventSource { Component = "kubepki-agent", Host = node },
            FirstTimestamp = at,
            LastTimestamp = at,
            Count = 1,
            ReportingComponent = "kubepki-agent",
            ReportingInstance = node,
        };
        await client
            .CoreV1.CreateNamespacedEventAsync(ev, "default", cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The ClusterConfiguration kubeadm uploaded; null when the ConfigMap or the key is missing.</summary>
    public async Task<string?> KubeadmClusterConfigurationAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await client
                .CoreV1.ReadNamespacedConfigMapAsync(
                    "kubeadm-config",
                    "kube-system",
                    cancellationToken: cancellationToken
                )
                .ConfigureAwait(false);
            return map.Data is { } data && data.TryGetValue("ClusterConfiguration", out var text) ? text : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
