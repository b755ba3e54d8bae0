using System.Text.RegularExpressions;

namespace KubePki.Configuration;

/// <summary>RFC 1123 subdomain checks, as Kubernetes' validation package applies them to SANs.</summary>
public static partial class DnsNames
{
    public static bool IsSubdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    public static bool IsWildcardSubdomain(string value) =>
        value.StartsWith("*.", StringComparison.Ordinal) && IsSubdomain(value[2..]);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
}
