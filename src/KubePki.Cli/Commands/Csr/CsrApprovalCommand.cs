using System.CommandLine;
using System.Net;
using k8s;
using k8s.Models;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Runtime;

namespace KubePki.Cli.Commands.Csr;

/// <summary><c>kubepki csr approve|deny NAME... [--force]</c>, as <c>kubectl certificate approve|deny</c>: the condition
/// goes through the /approval subresource; a conflict re-reads the CSR and retries (up to 10 times).</summary>
public static class CsrApprovalCommand
{
    private const int ConflictRetries = 10;

    public static Command Create(CliEnvironment env, bool approve)
    {
        var verb = approve ? "approve" : "deny";
        var kubeconfig = CsrCommand.KubeconfigOption();
        var force = new Option<bool>("--force") { Description = $"Update the CSR even if it is already {(approve ? "approved" : "denied")}." };
        var names = new Argument<string[]>("NAME") { Arity = ArgumentArity.ZeroOrMore, Description = "Names of CertificateSigningRequests." };
        var command = new Command(verb, approve ? "Approve certificate signing requests" : "Deny certificate signing requests");
        command.Options.Add(kubeconfig);
        command.Options.Add(force);
        command.Arguments.Add(names);
        command.SetAction((result, cancellationToken) => ApiCommandGuard.RunAsync(env, async () =>
        {
            var requested = result.GetValue(names) ?? [];
            if (requested.Length == 0)
            {
                throw new KubePkiException("one or more CSRs must be specified as <name>");
            }
            var client = KubeClientFactory.Create(result.GetValue(kubeconfig));
            var failed = false;
            foreach (var name in requested)
            {
                try
                {
                    await ApplyAsync(client, name, approve, result.GetValue(force), env.Time, cancellationToken);
                    env.Out.WriteLine($"certificatesigningrequest.certificates.k8s.io/{name} {(approve ? "approved" : "denied")}");
                }
                catch (KubePkiException e)
                {
                    env.Error.WriteLine($"error: {e.Message}");
                    failed = true;
                }
                catch (k8s.Autorest.HttpOperationException e)
                {
                    env.Error.WriteLine(ApiCommandGuard.Describe(e));
                    failed = true;
                }
            }
            return failed ? 1 : 0;
        }));
        return command;
    }

    private static async Task ApplyAsync(IKubernetes client, string name, bool approve, bool force, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var csr = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: cancellationToken);
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
                csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
                {
                    Type = added.Type,
                    Status = added.Status,
                    Reason = added.Reason,
                    Message = added.Message,
                    LastUpdateTime = added.LastUpdateTime?.UtcDateTime,
                });
            }
            try
            {
                await client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(csr, name, cancellationToken: cancellationToken);
                return;
            }
            catch (Exception e) when (ApiCommandGuard.IsStatus(e, HttpStatusCode.Conflict) && attempt < ConflictRetries)
            {
            }
        }
    }
}
