using KubePki.Controller.Model;
using KubePki.Crypto;

namespace KubePki.Controller.Signing;

/// <summary>kube-controller-manager's csrsigning <c>handle</c>, pure apart from the clock: which CSRs to sign, the
/// per-signer validation, the TTL rules and the certificate. Writing the result is the runtime's job.</summary>
public sealed class CsrSigner(
    IReadOnlyDictionary<string, ISigningAuthoritySource> signers,
    TimeSpan clusterSigningDuration,
    TimeProvider time
)
{
    public IReadOnlyCollection<string> SignerNames => signers.Keys.ToList();

    public bool Serves(string signerName) => signers.ContainsKey(signerName);

    public SignDecision Decide(CsrSnapshot csr)
    {
        if (csr.IsIssued)
        {
            return SignDecision.Skip("already issued");
        }
        if (!csr.IsApproved)
        {
            return SignDecision.Skip(csr.IsDenied ? "denied" : "not approved");
        }
        if (csr.IsFailed)
        {
            return SignDecision.Skip("failed");
        }
        if (!signers.TryGetValue(csr.SignerName, out var source))
        {
            return SignDecision.Skip($"signer {csr.SignerName} is not served");
        }
        CsrRequest request;
        try
        {
            request = CsrRequestParser.Parse(csr.Request, verifySignature: false);
        }
        catch (UnsupportedKeyException e)
        {
            // KCM retries a request Go cannot parse forever; a key type that will never be signed is a final answer.
            return new SignDecision(SignOutcome.Fail, e.Message);
        }
        catch (InvalidCsrException e)
        {
            // KCM returns ParseCSR errors and retries; the API's validation makes this unreachable for stored CSRs.
            return new SignDecision(SignOutcome.Retry, $"unable to parse csr \"{csr.Name}\": {e.Message}");
        }
        if (SignerRequestRules.Validate(csr.SignerName, request, csr.Usages) is { } invalid)
        {
            return new SignDecision(SignOutcome.Fail, invalid);
        }
        return Sign(csr, request, source.Current);
    }

    private SignDecision Sign(CsrSnapshot csr, CsrRequest request, CertificateAuthority ca)
    {
        var ttl = SigningWindow.Ttl(clusterSigningDuration, csr.ExpirationSeconds);
        var window = SigningWindow.Compute(time.GetUtcNow(), ttl, CertificateMinter.NotAfterOf(ca));
        if (window.Error is { } error)
        {
            return new SignDecision(SignOutcome.Retry, $"error auto signing csr: {error}");
        }
        try
        {
            var certificate = CertificateMinter.Mint(request, csr.Usages, window, ca);
            return new SignDecision(SignOutcome.Issue, "signed", CertificateMinter.Pem(certificate));
        }
        catch (ArgumentException e)
        {
            return new SignDecision(SignOutcome.Retry, $"error auto signing csr: {e.Message}");
        }
    }
}
