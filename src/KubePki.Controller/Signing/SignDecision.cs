namespace KubePki.Controller.Signing;

/// <summary>The signer's answer for one CSR: an outcome, the reason text, and for <see cref="SignOutcome.Issue"/> the
/// PEM for status.certificate.</summary>
public sealed record SignDecision(SignOutcome Outcome, string Detail, string? CertificatePem = null)
{
    public const string SignerValidationFailure = "SignerValidationFailure";

    public static SignDecision Skip(string why) => new(SignOutcome.Skip, why);
}
