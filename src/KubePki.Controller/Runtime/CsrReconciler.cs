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
    TimeProvider time
)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The Node cache the approver judges against.</summary>
    public NodeInformer? Nodes { get; init; }

    public TimeSpan NodeGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    public async Task ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        if (informer.Lookup(name) is not { } entry)
        {
            return;
        }
        var (signerName, pending) = entry;
        lock (_seen)
        {
            if (_seen.Add(name))
            {
                metrics.Seen(signerName);
            }
        }
        if (pending is not { } csr)
        {
            return; // settled: issued, denied or failed
        }
        if (approver is not null)
        {
            if (await ApproveAsync(csr, cancellationToken) is not { } approved)
            {
                return; // denied: settled
            }
            csr = approved;
        }
        if (signer is not null)
        {
            await SignAsync(csr, cancellationToken);
        }
    }

    /// <summary>The CSR after the approver's pass; null when it is now settled (denied).</summary>
    private async Task<CachedCsr?> ApproveAsync(CachedCsr csr, CancellationToken cancellationToken)
    {
        var snapshot = csr.ToSnapshot();
        if (KubeletServingApprover.IgnoreReason(snapshot) is not null)
        {
            return csr;
        }
        if (Nodes is not { HasSynced: true } nodeCache)
        {
            throw new InvalidOperationException("the Node cache has not synced yet");
        }
        var nodes = nodeCache.Current;
        var nodeName = KubeletServingApprover.NodeNameOf(snapshot.Username);
        if (
            nodeName is not null
            && nodes.Find(nodeName) is null
            && snapshot.CreationTimestamp is { } created
            && time.GetUtcNow() - created < NodeGracePeriod
        )
        {
            // The kubelet created its Node just before this CSR; the watch will bring it. Retry, do not deny yet.
            throw new InvalidOperationException($"node \"{nodeName}\" is not in the Node cache yet");
        }
        var verdict = approver!.Evaluate(snapshot, nodes);
        if (verdict.Decision == ApprovalDecision.Ignore || (verdict.Decision == ApprovalDecision.Deny && noDeny))
        {
            if (verdict.Decision == ApprovalDecision.Deny)
            {
                logger.LogInformation("CSR {Name} left pending (--no-deny): {Message}", csr.Name, verdict.Message);
            }
            return csr;
        }
        var type = verdict.Decision == ApprovalDecision.Approve ? CsrCondition.Approved : CsrCondition.Denied;
        var updated = await api.UpdateApprovalAsync(
            WithStatus(
                csr,
                status =>
                    status.Conditions.Add(
                        new V1CertificateSigningRequestCondition
                        {
                            Type = type,
                            Status = "True",
                            Reason = verdict.Reason,
                            Message = verdict.Message,
                            LastUpdateTime = time.GetUtcNow().UtcDateTime,
                        }
                    )
            ),
            cancellationToken
        );
        var next = informer.Remember(updated);
        if (verdict.Decision == ApprovalDecision.Approve)
        {
            metrics.Approved(snapshot.SignerName);
            logger.LogInformation("CSR {Name} approved: {Message}", csr.Name, verdict.Message);
        }
        else
        {
            metrics.Denied(snapshot.SignerName, verdict.Violations[0].Rule);
            logger.LogInformation("CSR {Name} denied: {Message}", csr.Name, verdict.Message);
        }
        return next;
    }

    private async Task SignAsync(CachedCsr csr, CancellationToken cancellationToken)
    {
        var snapshot = csr.ToSnapshot();
        var decision = signer!.Decide(snapshot);
        switch (decision.Outcome)
        {
            case SignOutcome.Skip:
                return;
            case SignOutcome.Retry:
                throw new InvalidOperationException(decision.Detail);
            case SignOutcome.Fail:
                informer.Remember(
                    await api.UpdateStatusAsync(
                        WithStatus(
                            csr,
                            status =>
                                status.Conditions.Add(
                                    new V1CertificateSigningRequestCondition
                                    {
                                        Type = CsrCondition.Failed,
                                        Status = "True",
                                        Reason = SignDecision.SignerValidationFailure,
                                        Message = decision.Detail,
                                        LastUpdateTime = time.GetUtcNow().UtcDateTime,
                                    }
                                )
                        ),
                        cancellationToken
                    )
                );
                metrics.Failed(snapshot.SignerName, SignDecision.SignerValidationFailure);
                logger.LogInformation("CSR {Name} failed signer validation: {Message}", csr.Name, decision.Detail);
                return;
            case SignOutcome.Issue:
                var certificate = System.Text.Encoding.ASCII.GetBytes(decision.CertificatePem!);
                informer.Remember(
                    await api.UpdateStatusAsync(
                        WithStatus(csr, status => status.Certificate = certificate),
                        cancellationToken
                    )
                );
                metrics.Signed(snapshot.SignerName);
                if (snapshot.CreationTimestamp is { } created)
                {
                    metrics.IssuedAfter(time.GetUtcNow() - created);
                }
                logger.LogInformation("CSR {Name} signed for {Signer}", csr.Name, snapshot.SignerName);
                return;
        }
    }

    // The informer's copy is never changed in place: had a write failed, the cache would claim a condition or a
    // certificate the API server never stored (and sign a CSR it believes approved). The PUT body is built afresh from
    // the cached metadata and spec with a new status.
    private static V1CertificateSigningRequest WithStatus(
        CachedCsr csr,
        Action<V1CertificateSigningRequestStatus> change
    )
    {
        var status = new V1CertificateSigningRequestStatus
        {
            Certificate = csr.Certificate,
            Conditions = [.. csr.Conditions ?? []],
        };
        change(status);
        return csr.ToObject(status);
    }
}
