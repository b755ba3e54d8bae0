using k8s;
using k8s.Models;
using KubePki.InCluster;
using KubePki.Monitoring;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Exporter;

/// <summary>List, then watch from the list's resourceVersion, Secrets of every namespace or of the given ones, feeding
/// <see cref="SecretCertificates"/>. Re-watches when a stream ends, re-lists when the server says the version is gone
/// or a call fails (with backoff). Only list and watch: what the exporter's RBAC grants.</summary>
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
            ? RunOneAsync(null, cancellationToken)
            : Task.WhenAll(namespaces.Select(ns => RunOneAsync(ns, cancellationToken)));
    }

    private async Task RunOneAsync(string? ns, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = ns is null
                    ? await client.CoreV1.ListSecretForAllNamespacesAsync(cancellationToken: cancellationToken)
                    : await client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: cancellationToken);
                target.Replace(ns, list.Items.Select(Convert));
                failures = 0;
                await WatchAsync(ns, list.Metadata.ResourceVersion, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(failures, 8))));
                logger.LogWarning(
                    "listing/watching Secrets{Scope} failed ({Error}); retrying in {Delay}",
                    ns is null ? "" : $" in {ns}",
                    e.Message,
                    delay
                );
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WatchAsync(string? ns, string version, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? error = null;
            var timeout = 300 + Random.Shared.Next(300);
            var collection = ns is null ? "api/v1/secrets" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/secrets";
            var events = KubeWatch.ReadAsync(
                client,
                $"{collection}?watch=true"
                    + $"&resourceVersion={Uri.EscapeDataString(version)}&timeoutSeconds={timeout}",
                item => KubeJson.ReadSecret(item) is { Metadata: not null } secret ? secret : null,
                e => error ??= e,
                cancellationToken
            );
            await foreach (var (type, secret) in events)
            {
                version = secret.Metadata.ResourceVersion ?? version;
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
            if (error is not null)
            {
                logger.LogInformation("Secret watch ended with {Error}; re-listing", error.Message);
                return;
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
