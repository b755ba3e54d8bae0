using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubePki.Controller.Runtime;

/// <summary>Approves or denies one CSR as <c>kubectl certificate approve|deny</c> does: the condition goes through the
/// /approval subresource; a conflict re-reads the CSR and retries (up to 10 times).</summary>
public sealed class CsrApprovals(IKubernetes client, TimeProvider time)
{
    private const int ConflictRetries = 10;

    public async Task ApplyAsync(string name, bool approve, bool force, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var csr = await client.CertificatesV1.ReadCertificateSigningRequestAsync(
                name,
                cancellationToken: cancellationToken
            );
            var change = ApprovalChange.Decide(CsrConverter.ToSnapshot(csr), approve, force, time.GetUtcNow());
            if (change.Error is { } error)
            {
                throw new KubePkiException(error);
            }
            if (!change.Send)
            {
                return;
            }
            if (change.Added is { } added)
            {
                csr.Status ??= new V1CertificateSigningRequestStatus();
                csr.Status.Conditions ??= [];
                csr.Status.Conditions.Add(
                    new V1CertificateSigningRequestCondition
                    {
                        Type = added.Type,
                        Status = added.Status,
                        Reason = added.Reason,
                        Message = added.Message,
                        LastUpdateTime = added.LastUpdateTime?.UtcDateTime,
                    }
                );
            }
            try
            {
                await client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(
                    csr,
                    name,
                    cancellationToken: cancellationToken
                );
                return;
            }
            catch (HttpOperationException e)
                when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < ConflictRetries) { }
        }
    }
}
