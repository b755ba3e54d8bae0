namespace KubePki.Controller.Signing;

/// <summary>What the signer decided for one CSR.</summary>
public enum SignOutcome
{
    /// <summary>Not for us (not approved, denied, failed, issued, another signer): nothing to write.</summary>
    Skip,

    /// <summary>Signed: write status.certificate.</summary>
    Issue,

    /// <summary>Invalid for its signer: add Failed/SignerValidationFailure (terminal).</summary>
    Fail,

    /// <summary>Transient (unparsable request, expired CA): retry with back-off, as KCM returns an error.</summary>
    Retry,
}
