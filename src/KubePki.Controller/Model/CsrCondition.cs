namespace KubePki.Controller.Model;

/// <summary>One entry of <c>status.conditions</c>; the API keys the list by <see cref="Type"/>.</summary>
public sealed record CsrCondition(
    string Type,
    string Status,
    string? Reason,
    string? Message,
    DateTimeOffset? LastUpdateTime
)
{
    public const string Approved = "Approved";
    public const string Denied = "Denied";
    public const string Failed = "Failed";
}
