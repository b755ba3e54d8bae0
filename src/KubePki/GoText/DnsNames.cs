using System.Text.RegularExpressions;

namespace KubePki.GoText;

/// <summary>RFC 1123 subdomain checks, as Kubernetes' validation package applies them to SANs.</summary>
internal static partial class DnsNames
{
    public static bool IsSubdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    /// <summary>Returns <paramref name="value"/> when it is a DNS-1123 subdomain; otherwise throws with Kubernetes'
    /// validation message, prefixed with <paramref name="what"/> (the flag or field).</summary>
    public static string RequireSubdomain(string value, string what) =>
        IsSubdomain(value)
            ? value
            : throw new KubePkiException(
                $"{what}: \"{value}\" is not valid: a lowercase RFC 1123 subdomain must consist "
                    + "of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                    + "character (e.g. 'example.com'; at most 253 characters)",
                KubePkiErrorKind.InvalidInput
            );

    public static bool IsWildcardSubdomain(string value) =>
        value.StartsWith("*.", StringComparison.Ordinal) && IsSubdomain(value[2..]);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
}
