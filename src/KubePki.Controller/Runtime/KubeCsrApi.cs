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
    public async IAsyncEnumerable<(string Type, V1CertificateSigningRequest Csr)> WatchAsync(string resourceVersion, int timeoutSeconds,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var kube = Client as Kubernetes ?? throw new InvalidOperationException("watching needs a k8s.Kubernetes client");
        var uri = new Uri(kube.BaseUri, "apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true"
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
            throw new HttpOperationException($"watch of certificatesigningrequests returned {(int)response.StatusCode}")
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
            if (KubeJson.ReadCsr(item) is { Metadata: not null } csr)
            {
                yield return (type, csr);
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

    public async Task<V1Node?> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken);
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
