using System.Net;
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
    /// until the server ends the stream; an ERROR event goes to <paramref name="onError"/> (see
    /// <see cref="KubeWatch"/>).</summary>
    public IAsyncEnumerable<(string Type, V1CertificateSigningRequest Csr)> WatchAsync(string resourceVersion,
        int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
        KubeWatch.ReadAsync(Client, "apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true"
            + $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}",
            item => KubeJson.ReadCsr(item) is { Metadata: not null } csr ? csr : null, onError, cancellationToken);

    public async Task<V1CertificateSigningRequest?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.CertificatesV1.ReadCertificateSigningRequestAsync(name,
                cancellationToken: cancellationToken);
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
