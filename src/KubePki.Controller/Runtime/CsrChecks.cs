using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.InCluster;

namespace KubePki.Controller.Runtime;

/// <summary>The kubelet-serving approver's verdict on CSRs read from the API, without writing anything: every pending
/// kubelet-serving CSR or the named ones, judged on the inputs the controller judges on — every Node, and the
/// cluster's kubeadm-config merged with the flags as <see cref="ClusterNetworks"/> merges them.</summary>
/// <param name="flags">The approver's options from its flags alone.</param>
/// <param name="serviceNetworks">--service-cluster-ip-range; null when not given.</param>
/// <param name="clusterDomain">--cluster-domain; null when not given.</param>
public sealed class CsrChecks(
    IKubernetes client,
    ApproverOptions flags,
    IReadOnlyList<IPNetwork>? serviceNetworks = null,
    string? clusterDomain = null
)
{
    private const string CsrsPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    public sealed record Check(V1CertificateSigningRequest Csr, ApprovalVerdict Verdict);

    /// <summary>What the approver was told about the cluster (as the controller logs it): where its service network,
    /// domain, API server names and pod network came from, and a kubeadm-config that could not be read.</summary>
    public List<string> Notes { get; } = [];

    public async Task<IReadOnlyList<Check>> EvaluateAsync(
        IReadOnlyList<string> names,
        CancellationToken cancellationToken
    )
    {
        var csrs = names.Count > 0 ? await ReadAsync(names, cancellationToken) : await ListAsync(cancellationToken);
        if (!csrs.Any(c => KubeletServingApprover.IgnoreReason(CsrConverter.ToSnapshot(c)) is null))
        {
            return csrs.Select(c => new Check(c, Judge(null, CsrConverter.ToSnapshot(c), NodeSet.Empty))).ToList();
        }
        var approver = new KubeletServingApprover(await OptionsAsync(cancellationToken));
        var nodes = await NodesAsync(cancellationToken);
        return csrs.Select(c => new Check(c, Judge(approver, CsrConverter.ToSnapshot(c), nodes))).ToList();
    }

    private static ApprovalVerdict Judge(KubeletServingApprover? approver, CsrSnapshot csr, NodeSet nodes) =>
        KubeletServingApprover.IgnoreReason(csr) is { } ignore
            ? ApprovalVerdict.Ignore(ignore)
            : approver!.Evaluate(csr, nodes);

    private async Task<IReadOnlyList<V1CertificateSigningRequest>> ReadAsync(
        IReadOnlyList<string> names,
        CancellationToken cancellationToken
    ) =>
        await Task.WhenAll(
            names.Select(n =>
                ApiResponse.OfAsync(
                    $"GET {CsrsPath}/{n}",
                    () =>
                        client.CertificatesV1.ReadCertificateSigningRequestAsync(
                            n,
                            cancellationToken: cancellationToken
                        )
                )
            )
        );

    private async Task<IReadOnlyList<V1CertificateSigningRequest>> ListAsync(CancellationToken cancellationToken)
    {
        var pending = new List<V1CertificateSigningRequest>();
        await PagedList.ReadAsync<V1CertificateSigningRequestList, V1CertificateSigningRequest>(
            (token, limit, ct) =>
                ApiResponse.OfAsync(
                    $"GET {CsrsPath}",
                    () =>
                        client.CertificatesV1.ListCertificateSigningRequestAsync(
                            continueParameter: token,
                            limit: limit,
                            cancellationToken: ct
                        )
                ),
            c =>
            {
                if (KubeletServingApprover.IgnoreReason(CsrConverter.ToSnapshot(c)) is null)
                {
                    pending.Add(c);
                }
            },
            cancellationToken,
            pending.Clear
        );
        return pending;
    }

    /// <summary>Every Node, page by page, as the controller's Node informer lists them.</summary>
    private async Task<NodeSet> NodesAsync(CancellationToken cancellationToken)
    {
        var nodes = new List<NodeFacts>();
        await PagedList.ReadAsync<V1NodeList, V1Node>(
            (token, limit, ct) =>
                ApiResponse.OfAsync(
                    "GET /api/v1/nodes",
                    () => client.CoreV1.ListNodeAsync(continueParameter: token, limit: limit, cancellationToken: ct)
                ),
            node => nodes.Add(CsrConverter.ToFacts(node)),
            cancellationToken,
            nodes.Clear
        );
        return NodeSet.Of(nodes);
    }

    /// <summary>The flags merged with the cluster's kubeadm-config, which the controller also reads; one that cannot
    /// be read is a note, as it is a logged warning in the controller, which then goes on with its flags.</summary>
    private async Task<ApproverOptions> OptionsAsync(CancellationToken cancellationToken)
    {
        string? clusterConfiguration = null;
        try
        {
            var map = await ApiResponse.OfAsync(
                $"GET /api/v1/namespaces/{KubeadmConfigMap.Namespace}/configmaps/{KubeadmConfigMap.Name}",
                () =>
                    client.CoreV1.ReadNamespacedConfigMapAsync(
                        KubeadmConfigMap.Name,
                        KubeadmConfigMap.Namespace,
                        cancellationToken: cancellationToken
                    )
            );
            clusterConfiguration = map.Data?.TryGetValue(KubeadmConfigMap.Key, out var text) == true ? text : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Notes.Add(
                $"cannot read ConfigMap {KubeadmConfigMap.Namespace}/{KubeadmConfigMap.Name} ({e.Message}); using "
                    + "the flags only, as the controller would"
            );
        }
        return ClusterNetworks.Apply(flags, serviceNetworks, clusterDomain, clusterConfiguration, Notes);
    }
}
