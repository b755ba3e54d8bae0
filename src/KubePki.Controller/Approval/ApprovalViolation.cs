namespace KubePki.Controller.Approval;

/// <summary>A failed check: which rule and why, worded for the Denied condition's message.</summary>
public sealed record ApprovalViolation(string Rule, string Message)
{
    public override string ToString() => $"{Rule}: {Message}";
}
