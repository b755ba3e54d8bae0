using KubePki.Controller.Approval;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Controller.Tests.Approval;

/// <summary>Issue 7.5: a request with a key type nobody signs for is decided at once, never left pending or
/// retried.</summary>
public class UnsupportedKeyTests
{
    [Theory]
    [MemberData(nameof(UnsupportedKeyCsrs.Names), MemberType = typeof(UnsupportedKeyCsrs))]
    public void The_approver_denies_it_naming_the_key_type(string name)
    {
        var verdict = new KubeletServingApprover(ApproverOptions.Default).Evaluate(
            UnsupportedKeyCsrs.Serving(name),
            HostileCsrs.Node1
        );

        Assert.Equal(ApprovalDecision.Deny, verdict.Decision);
        var violation = Assert.Single(verdict.Violations, v => v.Rule == "KeyIsSupported");
        Assert.Contains("unsupported", violation.Message);
        // The parser refuses the request, so it is denied as invalid too (the fuzz contract for every refusal).
        Assert.Contains(verdict.Violations, v => v.Rule == "RequestIsValid");
    }

    [Theory]
    [MemberData(nameof(UnsupportedKeyCsrs.Names), MemberType = typeof(UnsupportedKeyCsrs))]
    public void The_signer_fails_it_with_signer_validation_failure(string name)
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var ca = TestCa.Create(now);
        var signer = new CsrSigner(
            SignerNames.All.ToDictionary(s => s, ISigningAuthoritySource (_) => new FixedAuthoritySource(ca)),
            SigningWindow.DefaultClusterSigningDuration,
            new FakeTimeProvider(now)
        );

        var decision = signer.Decide(UnsupportedKeyCsrs.Serving(name).Approved());

        Assert.Equal(SignOutcome.Fail, decision.Outcome);
        Assert.Contains("unsupported", decision.Detail);
    }
}
