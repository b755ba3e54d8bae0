using System.Text.RegularExpressions;

namespace KubePki.Controller.Approval;

/// <summary>With --allowed-dns-pattern, the patterns are the operator's bound on DNS names: every DNS SAN other than
/// the node's own name must match one, even a name the Node lists (its kubelet may write its status). A pattern that
/// times out is a denial.</summary>
public sealed class DnsSansMatchAllowedPatterns : IApprovalRule
{
    public string Name => nameof(DnsSansMatchAllowedPatterns);

    public string? Check(ApprovalInput input)
    {
        var patterns = input.Options.AllowedDnsPatterns;
        if (patterns.Count == 0)
        {
            return null;
        }
        var outside = new List<string>();
        foreach (var name in input.Request.DnsNames)
        {
            if (string.Equals(name, input.NodeName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            switch (Match(patterns, name))
            {
                case null:
                    return $"matching DNS subjectAltName \"{NoControlCharacters.Escape(name)}\" against "
                        + $"--allowed-dns-pattern timed out";
                case false:
                    outside.Add(NoControlCharacters.Escape(name));
                    break;
            }
        }
        return outside.Count == 0
            ? null
            : $"DNS subjectAltNames [{string.Join(' ', outside)}] match no --allowed-dns-pattern";
    }

    /// <summary>Whether any pattern matches; null when a pattern timed out.</summary>
    public static bool? Match(IReadOnlyList<Regex> patterns, string name)
    {
        try
        {
            return patterns.Any(p => p.IsMatch(name));
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
