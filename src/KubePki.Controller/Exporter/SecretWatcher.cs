using k8s;
using k8s.Models;
using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>Secrets of every namespace or of the given ones, kept by the shared list + watch loop (<see
/// cref="ListWatch{TList, T}"/>: paged lists, re-watch when a stream ends, re-list when the version is gone or a call
/// fails) and fed to <see cref="SecretCertificates"/>. Only list and watch: what the exporter's RBAC grants.</summary>
internal sealed class SecretWatcher(
    IKubernetes client,
    IReadOnlyList<string> namespaces,
    SecretCertificates target,
    ILogger logger,
    TimeProvider time
)
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        return namespaces.Count == 0
            ? Loop(null).RunAsync(cancellationToken)
            : Task.WhenAll(namespaces.Select(ns => Loop(ns).RunAsync(cancellationToken)));
    }

    private ListWatch<V1SecretList, V1Secret> Loop(string? ns) =>
        new(
            client,
            ns is null ? "Secrets" : $"Secrets in {ns}",
            ns is null ? "api/v1/secrets" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets",
            (token, limit, ct) =>
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
                    ),
            KubeJson.ReadSecret,
            new Scope(ns, target),
            logger,
            time
        );

    /// <summary>The Secrets of one namespace (or of all): a list replaces them as a whole, events one by one.</summary>
    private sealed class Scope(string? ns, SecretCertificates target) : IListWatchTarget<V1Secret>
    {
        private readonly List<SecretData> _listed = [];

        public void ListStarted() => _listed.Clear();

        public void Listed(V1Secret secret) => _listed.Add(Convert(secret));

        public void ListDone()
        {
            target.Replace(ns, _listed);
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

    private static SecretData Convert(V1Secret secret) =>
        new(
            secret.Metadata.NamespaceProperty,
            secret.Metadata.Name,
            secret.Type ?? "Opaque",
            secret.Data is null ? new Dictionary<string, byte[]>() : new Dictionary<string, byte[]>(secret.Data)
        );
}
