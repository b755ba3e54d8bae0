using k8s;
using k8s.Models;
using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>Secrets of every namespace or of the included ones (<see cref="SecretFilter.WatchedNamespaces"/>), and
/// with a namespace label filter the namespaces too, kept by the shared list + watch loop (<see
/// cref="ListWatch{TList, T}"/>: paged lists, re-watch when a stream ends, re-list when the version is gone or a call
/// fails) and fed to <see cref="SecretCertificates"/>. A failed list is a read error until a list succeeds. Only list
/// and watch: what the exporter's RBAC grants.</summary>
internal sealed class SecretWatcher(IKubernetes client, SecretCertificates target, ILogger logger, TimeProvider time)
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var loops = new List<Task>();
        if (target.Filter.WatchedNamespaces is { } namespaces)
        {
            loops.AddRange(namespaces.Select(ns => Secrets(ns).RunAsync(cancellationToken)));
        }
        else
        {
            loops.Add(Secrets(null).RunAsync(cancellationToken));
        }
        if (target.Filter.NeedsNamespaceLabels)
        {
            loops.Add(Namespaces().RunAsync(cancellationToken));
        }
        return Task.WhenAll(loops);
    }

    private ListWatch<V1SecretList, V1Secret> Secrets(string? ns)
    {
        var what = ns is null ? "Secrets" : $"Secrets in {ns}";
        return new(
            client,
            what,
            ns is null ? "api/v1/secrets" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets",
            (token, limit, ct) =>
                Tracked(
                    what,
                    ns is null
                        ? client.CoreV1.ListSecretForAllNamespacesAsync(
                            continueParameter: token,
                            limit: limit,
                            cancellationToken: ct
                        )
                        : client.CoreV1.ListNamespacedSecretAsync(
                            ns,
                            continueParameter: token,
                            limit: limit,
                            cancellationToken: ct
                        )
                ),
            KubeJson.ReadSecret,
            new SecretScope(what, ns, target),
            logger,
            time
        );
    }

    private ListWatch<V1NamespaceList, V1Namespace> Namespaces() =>
        new(
            client,
            "Namespaces",
            "api/v1/namespaces",
            (token, limit, ct) =>
                Tracked(
                    "Namespaces",
                    client.CoreV1.ListNamespaceAsync(continueParameter: token, limit: limit, cancellationToken: ct)
                ),
            KubeJson.ReadNamespace,
            new NamespaceScope(target),
            logger,
            time
        );

    /// <summary>A list page that fails is a read error of <paramref name="what"/> until its list completes.</summary>
    private async Task<TList> Tracked<TList>(string what, Task<TList> page)
    {
        try
        {
            return await page;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            target.ListFailed(what, e.Message);
            throw;
        }
    }

    /// <summary>The Secrets of one namespace (or of all): a list replaces them as a whole, events one by one.</summary>
    private sealed class SecretScope(string what, string? ns, SecretCertificates target) : IListWatchTarget<V1Secret>
    {
        private readonly List<SecretData> _listed = [];

        public void ListStarted() => _listed.Clear();

        public void Listed(V1Secret secret) => _listed.Add(Convert(secret));

        public void ListDone()
        {
            target.Replace(ns, _listed);
            target.ListSucceeded(what);
            _listed.Clear();
        }

        public void Changed(string type, V1Secret secret)
        {
            switch (type)
            {
                case "ADDED" or "MODIFIED":
                    target.Upsert(Convert(secret));
                    break;
                case "DELETED":
                    target.Remove(secret.Metadata.NamespaceProperty, secret.Metadata.Name);
                    break;
            }
        }
    }

    private sealed class NamespaceScope(SecretCertificates target) : IListWatchTarget<V1Namespace>
    {
        private readonly List<(string, IReadOnlyDictionary<string, string>)> _listed = [];

        public void ListStarted() => _listed.Clear();

        public void Listed(V1Namespace item) => _listed.Add((item.Metadata.Name, Labels(item.Metadata)));

        public void ListDone()
        {
            target.ReplaceNamespaces(_listed);
            target.ListSucceeded("Namespaces");
            _listed.Clear();
        }

        public void Changed(string type, V1Namespace item)
        {
            switch (type)
            {
                case "ADDED" or "MODIFIED":
                    target.UpsertNamespace(item.Metadata.Name, Labels(item.Metadata));
                    break;
                case "DELETED":
                    target.RemoveNamespace(item.Metadata.Name);
                    break;
            }
        }
    }

    private static Dictionary<string, string> Labels(V1ObjectMeta metadata) =>
        metadata.Labels is null ? [] : new Dictionary<string, string>(metadata.Labels, StringComparer.Ordinal);

    private static SecretData Convert(V1Secret secret) =>
        new(
            secret.Metadata.NamespaceProperty,
            secret.Metadata.Name,
            secret.Type ?? "Opaque",
            secret.Data is null ? new Dictionary<string, byte[]>() : new Dictionary<string, byte[]>(secret.Data)
        )
        {
            Labels = Labels(secret.Metadata),
        };
}
