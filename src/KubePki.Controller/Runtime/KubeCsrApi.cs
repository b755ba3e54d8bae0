using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Controller.Runtime;

/// <summary>The handful of API calls the controller makes, over KubernetesClient. Every write carries the
/// resourceVersion it was based on, so a concurrent writer (another replica) gets a 409 instead of overwriting.</summary>
public sealed class KubeCsrApi(IKubernetes client)
{
    public IKubernetes Client { get; } = client;

    public Task<V1CertificateSigningRequestList> ListAsync(CancellationToken cancellationToken) =>
        Client.CertificatesV1.ListCertificateSigningRequestAsync(cancellationToken: cancellationToken);

    /// <summary>A watch of all CSRs from <paramref name="resourceVersion"/>: (ADDED|MODIFIED|DELETED|BOOKMARK, object)
    /// until the server ends the stream. An ERROR event (e.g. 410 Gone) is passed to <paramref name="onError"/> and ends
    /// the stream. The trimmed client library has no watch helper, so this reads the line-per-event stream itself
    /// over the client's own authenticated HTTP connection.</summary>
    public IAsyncEnumerable<(string Type, V1CertificateSigningRequest Csr)> WatchAsync(string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, CancellationToken cancellationToken) =>
        WatchStreamAsync("apis/certificates.k8s.io/v1/certificatesigningrequests", resourceVersion, timeoutSeconds,
            KubeJson.ReadCsr, onError, cancellationToken);

    /// <summary>A watch of all Nodes, read as <see cref="WatchAsync"/> reads CSRs.</summary>
    public IAsyncEnumerable<(string Type, V1Node Node)> WatchNodesAsync(string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, CancellationToken cancellationToken) =>
        WatchStreamAsync("api/v1/nodes", resourceVersion, timeoutSeconds, KubeJson.ReadNode, onError, cancellationToken);

    private async IAsyncEnumerable<(string Type, T Item)> WatchStreamAsync<T>(string path, string resourceVersion, int timeoutSeconds,
        Func<JsonElement, T?> read, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IMetadata<V1ObjectMeta>
    {
        var kube = Client as Kubernetes ?? throw new InvalidOperationException("watching needs a k8s.Kubernetes client");
        var uri = new Uri(kube.BaseUri, $"{path}?watch=true"
            + $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (kube.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }
        using var response = await kube.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpOperationException($"watch of {path} returned {(int)response.StatusCode}")
            {
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString() ?? "";
            var item = document.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var status = KubeJson.ReadStatus(item);
                onError(new KubernetesException(status ?? new V1Status { Message = "watch error" }));
                yield break;
            }
            if (read(item) is { Metadata: not null } value)
            {
                yield return (type, value);
            }
        }
    }

    public async Task<V1CertificateSigningRequest?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<V1NodeList> ListNodesAsync(CancellationToken cancellationToken) =>
        Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);

    /// <summary>The kubeadm-config ConfigMap's ClusterConfiguration text, or null when the cluster has none.</summary>
    public async Task<string?> GetKubeadmClusterConfigurationAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await Client.CoreV1.ReadNamespacedConfigMapAsync(KubeadmConfigMap.Name, KubeadmConfigMap.Namespace, cancellationToken: cancellationToken);
            return map.Data?.TryGetValue(KubeadmConfigMap.Key, out var text) == true ? text : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<V1CertificateSigningRequest> UpdateApprovalAsync(V1CertificateSigningRequest csr, CancellationToken cancellationToken) =>
        Client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(csr, csr.Metadata.Name, cancellationToken: cancellationToken);

    public Task<V1CertificateSigningRequest> UpdateStatusAsync(V1CertificateSigningRequest csr, CancellationToken cancellationToken) =>
        Client.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(csr, csr.Metadata.Name, cancellationToken: cancellationToken);

    public static int? StatusCode(Exception e) => e switch
    {
        HttpOperationException h => (int)h.Response.StatusCode,
        KubernetesException k => k.Status?.Code,
        _ => null,
    };
}
