using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;

namespace KubePki.Controller.Runtime;

/// <summary>The kubelet-serving approver's verdict on CSRs read from the API, without writing anything: every pending
/// kubelet-serving CSR or the named ones, each judged against its Node as the controller would.</summary>
public sealed class CsrChecks(IKubernetes client, KubeletServingApprover approver)
{
    public sealed record Check(V1CertificateSigningRequest Csr, ApprovalVerdict Verdict);

    public async Task<IReadOnlyList<Check>> EvaluateAsync(
        IReadOnlyList<string> names,
        CancellationToken cancellationToken
    )
    {
        IReadOnlyList<V1CertificateSigningRequest> csrs =
            names.Count > 0
                ? await Task.WhenAll(
                    names.Select(n =>
                        client.CertificatesV1.ReadCertificateSigningRequestAsync(
                            n,
                            cancellationToken: cancellationToken
                        )
                    )
                )
                : (await client.CertificatesV1.ListCertificateSigningRequestAsync(cancellationToken: cancellationToken))
                    .Items.Where(c => KubeletServingApprover.IgnoreReason(CsrConverter.ToSnapshot(c)) is null)
                    .ToList();
        var checks = new List<Check>(csrs.Count);
        foreach (var csr in csrs)
        {
            checks.Add(new Check(csr, await EvaluateAsync(CsrConverter.ToSnapshot(csr), cancellationToken)));
        }
        return checks;
    }

    private async Task<ApprovalVerdict> EvaluateAsync(CsrSnapshot csr, CancellationToken cancellationToken)
    {
        if (KubeletServingApprover.IgnoreReason(csr) is { } ignore)
        {
            return ApprovalVerdict.Ignore(ignore);
        }
        V1Node? node = null;
        if (KubeletServingApprover.NodeNameOf(csr.Username) is { } nodeName)
        {
            try
            {
                node = await client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
        }
        return approver.Evaluate(csr, node is null ? null : CsrConverter.ToFacts(node));
    }
}
