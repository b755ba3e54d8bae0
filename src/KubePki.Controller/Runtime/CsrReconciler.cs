using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.Controller.Signing;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>One pass over one CSR: approve or deny (kubelet-serving, when enabled), then sign or fail (served
/// signers). The decisions are the pure core's; this class only reads and writes. A transient problem throws, so the
/// work queue retries the CSR with back-off.</summary>
public sealed class CsrReconciler(
    KubeCsrApi api,
    CsrInformer informer,
    CsrSigner? signer,
    KubeletServingApprover? approver,
    bool noDeny,
    ControllerMetrics metrics,
    ILogger logger,
    TimeProvider time)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public async Task ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        var csr = informer.Get(name);
        if (csr is null)
        {
            return;
        }
        lock (_seen)
        {
            if (_seen.Add(name))
            {
                metrics.Seen(csr.Spec?.SignerName ?? "");
            }
        }
        if (approver is not null)
        {
            csr = await ApproveAsync(csr, cancellationToken);
        }
        if (signer is not null)
        {
            await SignAsync(csr, cancellationToken);
        }
    }

    private async Task<V1CertificateSigningRequest> ApproveAsync(V1CertificateSigningRequest csr, CancellationToken cancellationToken)
    {
        var snapshot = CsrConverter.ToSnapshot(csr);
        if (KubeletServingApprover.IgnoreReason(snapshot) is not null)
        {
            return csr;
        }
        var nodeName = KubeletServingApprover.NodeNameOf(snapshot.Username);
        var node = nodeName is null ? null : await api.GetNodeAsync(nodeName, cancellationToken);
        var verdict = approver!.Evaluate(snapshot, node is null ? null : CsrConverter.ToFacts(node));
        if (verdict.Decision == ApprovalDecision.Ignore || (verdict.Decision == ApprovalDecision.Deny && noDeny))
        {
            if (verdict.Decision == ApprovalDecision.Deny)
            {
                logger.LogInformation("CSR {Name} left pending (--no-deny): {Message}", csr.Metadata.Name, verdict.Message);
            }
            return csr;
        }
        var type = verdict.Decision == ApprovalDecision.Approve ? CsrCondition.Approved : CsrCondition.Denied;
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Conditions ??= [];
        csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
        {
            Type = type,
            Status = "True",
            Reason = verdict.Reason,
            Message = verdict.Message,
            LastUpdateTime = time.GetUtcNow().UtcDateTime,
        });
        var updated = await api.UpdateApprovalAsync(csr, cancellationToken);
        informer.Remember(updated);
        if (verdict.Decision == ApprovalDecision.Approve)
        {
            metrics.Approved(snapshot.SignerName);
            logger.LogInformation("CSR {Name} approved: {Message}", csr.Metadata.Name, verdict.Message);
        }
        else
        {
            metrics.Denied(snapshot.SignerName, verdict.Violations[0].Rule);
            logger.LogInformation("CSR {Name} denied: {Message}", csr.Metadata.Name, verdict.Message);
        }
        return updated;
    }

    private async Task SignAsync(V1CertificateSigningRequest csr, CancellationToken cancellationToken)
    {
        var snapshot = CsrConverter.ToSnapshot(csr);
        var decision = signer!.Decide(snapshot);
        switch (decision.Outcome)
        {
            case SignOutcome.Skip:
                return;
            case SignOutcome.Retry:
                throw new InvalidOperationException(decision.Detail);
            case SignOutcome.Fail:
                csr.Status ??= new V1CertificateSigningRequestStatus();
                csr.Status.Conditions ??= [];
                csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
                {
                    Type = CsrCondition.Failed,
                    Status = "True",
                    Reason = SignDecision.SignerValidationFailure,
                    Message = decision.Detail,
                    LastUpdateTime = time.GetUtcNow().UtcDateTime,
                });
                informer.Remember(await api.UpdateStatusAsync(csr, cancellationToken));
                metrics.Failed(snapshot.SignerName, SignDecision.SignerValidationFailure);
                logger.LogInformation("CSR {Name} failed signer validation: {Message}", csr.Metadata.Name, decision.Detail);
                return;
            case SignOutcome.Issue:
                csr.Status ??= new V1CertificateSigningRequestStatus();
                csr.Status.Certificate = System.Text.Encoding.ASCII.GetBytes(decision.CertificatePem!);
                informer.Remember(await api.UpdateStatusAsync(csr, cancellationToken));
                metrics.Signed(snapshot.SignerName);
                if (snapshot.CreationTimestamp is { } created)
                {
                    metrics.IssuedAfter(time.GetUtcNow() - created);
                }
                logger.LogInformation("CSR {Name} signed for {Signer}", csr.Metadata.Name, snapshot.SignerName);
                return;
        }
    }
}
