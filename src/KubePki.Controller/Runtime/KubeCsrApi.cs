using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubePki.Controller.Model;

namespace KubePki.Controller.Runtime;

/// <summary>The handful of API calls the controller makes, over KubernetesClient. Every write carries the
/// resourceVersion it was based on, so a concurrent writer (another replica) gets a 409 instead of
/// overwriting.</summary>
public sealed class KubeCsrApi(IKubernetes client)
{
    public IKubernetes Client { get; } = client;

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
