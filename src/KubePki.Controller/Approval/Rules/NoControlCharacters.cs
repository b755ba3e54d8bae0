using System.Text;

namespace KubePki.Controller.Approval;

/// <summary>No name may hold a control character: a DNS name with a newline, NUL or escape reads differently to a
/// logger, a pattern and a TLS client, so it is refused outright rather than matched.</summary>
public sealed class NoControlCharacters : IApprovalRule
{
    public string Name => nameof(NoControlCharacters);

    public string? Check(ApprovalInput input)
    {
        var bad = input
            .Request.CommonNames.Concat(input.Request.DnsNames)
            .Where(HasControl)
            .Select(n => $"\"{Escape(n)}\"")
            .ToList();
        return bad.Count == 0 ? null : $"names with control characters are not allowed: [{string.Join(' ', bad)}]";
    }

    public static bool HasControl(string value) => value.Any(char.IsControl);

    /// <summary>The value with control characters as \n, \x1b, … so a message never carries them.</summary>
    public static string Escape(string value)
    {
        if (!HasControl(value))
        {
            return value;
        }
        var text = new StringBuilder();
        foreach (var c in value)
        {
            text.Append(
                c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                    _ => c.ToString(),
                }
            );
        }
        return text.ToString();
    }
}
