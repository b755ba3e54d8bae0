using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubePki.InCluster;

namespace KubePki.Controller.Runtime;

/// <summary>The handful of API calls the controller makes, over KubernetesClient. Every write carries the
/// resourceVersion it was based on, so a concurrent writer (another replica) gets a 409 instead of
/// overwriting.</summary>
public sealed class KubeCsrApi(IKubernetes client)
{
    public IKubernetes Client { get; } = client;

    /// <summary>Items per list request: lists are read in pages (limit/continue) as client-go's reflector reads
    /// them, so a cluster with 100,000 CSRs or Nodes is never one response held in memory at once.</summary>
    public const int PageSize = 500;

    /// <summary>Lists every CSR page by page, handing each to <paramref name="each"/>; returns the list's
    /// resourceVersion (the first page's: the snapshot a watch continues from).</summary>
    public async Task<string> ListAsync(Action<V1CertificateSigningRequest> each, CancellationToken cancellationToken)
    {
        string? version = null;
        string? token = null;
        do
        {
            var page = await Client.CertificatesV1.ListCertificateSigningRequestAsync(
                continueParameter: token,
                limit: PageSize,
                cancellationToken: cancellationToken
            );
            version ??= page.Metadata?.ResourceVersion ?? "";
            foreach (var item in page.Items ?? [])
            {
                each(item);
            }
            token = page.Metadata?.ContinueProperty;
        } while (!string.IsNullOrEmpty(token));
        return version;
    }

    /// <summary>A watch of all CSRs from <paramref name="resourceVersion"/>: (ADDED|MODIFIED|DELETED|BOOKMARK, object)
    /// until the server ends the stream; an ERROR event goes to <paramref name="onError"/> (see
    /// <see cref="KubeWatch"/>).</summary>
    /// <param name="held">See <see cref="KubeWatch.ReadAsync"/>: the caller's stand-in for a version it holds.</param>
    public IAsyncEnumerable<(string Type, V1CertificateSigningRequest Csr)> WatchAsync(
        string resourceVersion,
        int timeoutSeconds,
        Action<Exception> onError,
        CancellationToken cancellationToken,
        Func<string, string, V1CertificateSigningRequest?>? held = null
    ) =>
        KubeWatch.ReadAsync(
            Client,
            "apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true"
                + $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}",
            item => KubeJson.ReadCsr(item) is { Metadata: not null } csr ? csr : null,
            onError,
            cancellationToken,
            held
        );

    /// <summary>A watch of all Nodes, read as <see cref="WatchAsync"/> reads CSRs.</summary>
    public IAsyncEnumerable<(string Type, V1Node Node)> WatchNodesAsync(
        string resourceVersion,
        int timeoutSeconds,
        Action<Exception> onError,
        CancellationToken cancellationToken
    ) =>
        KubeWatch.ReadAsync(
            Client,
            "api/v1/nodes?watch=true"
                + $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}",
            item => KubeJson.ReadNode(item) is { Metadata: not null } node ? node : null,
            onError,
            cancellationToken
        );

    public async Task<V1CertificateSigningRequest?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.CertificatesV1.ReadCertificateSigningRequestAsync(
                name,
                cancellationToken: cancellationToken
            );
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Lists every Node page by page, as <see cref="ListAsync"/> lists CSRs.</summary>
    public async Task<string> ListNodesAsync(Action<V1Node> each, CancellationToken cancellationToken)
    {
        string? version = null;
        string? token = null;
        do
        {
            var page = await Client.CoreV1.ListNodeAsync(
                continueParameter: token,
                limit: PageSize,
                cancellationToken: cancellationToken
            );
            version ??= page.Metadata?.ResourceVersion ?? "";
            foreach (var item in page.Items ?? [])
            {
                each(item);
            }
            token = page.Metadata?.ContinueProperty;
        } while (!string.IsNullOrEmpty(token));
        return version;
    }

    /// <summary>The kubeadm-config ConfigMap's ClusterConfiguration text, or null when the cluster has none.</summary>
    public async Task<string?> GetKubeadmClusterConfigurationAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await Client.CoreV1.ReadNamespacedConfigMapAsync(
                KubeadmConfigMap.Name,
                KubeadmConfigMap.Namespace,
                cancellationToken: cancellationToken
            );
            return map.Data?.TryGetValue(KubeadmConfigMap.Key, out var text) == true ? text : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<V1CertificateSigningRequest> UpdateApprovalAsync(
        V1CertificateSigningRequest csr,
        CancellationToken cancellationToken
    ) =>
        Client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(
            csr,
            csr.Metadata.Name,
            cancellationToken: cancellationToken
        );

    public Task<V1CertificateSigningRequest> UpdateStatusAsync(
        V1CertificateSigningRequest csr,
        CancellationToken cancellationToken
    ) =>
        Client.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(
            csr,
            csr.Metadata.Name,
            cancellationToken: cancellationToken
        );

    public static int? StatusCode(Exception e) =>
        e switch
        {
            HttpOperationException h => (int)h.Response.StatusCode,
            KubernetesException k => k.Status?.Code,
            _ => null,
        };
}
