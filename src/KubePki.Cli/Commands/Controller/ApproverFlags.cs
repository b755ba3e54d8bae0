using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using KubePki.Configuration;
using KubePki.Controller.Approval;
using KubePki.Model;

namespace KubePki.Cli.Commands.Controller;

/// <summary>The approver's flags, shared by <c>kubepki controller</c> and <c>kubepki csr check</c> so a check shows
/// exactly the verdict the controller would reach with the same flags.</summary>
public sealed class ApproverFlags
{
    public Option<string[]> DnsPatterns { get; } = new("--allowed-dns-pattern") { Description = "A regular expression for extra DNS SANs; such names must still begin with \"<node-name>.\". Repeatable." };

    public Option<string?> IpRanges { get; } = new("--allowed-ip-ranges") { Description = "Comma-separated CIDRs every IP SAN must also fall in." };

    public Option<string> MaxExpiration { get; } = new("--max-expiration") { Description = "The longest spec.expirationSeconds the approver accepts.", DefaultValueFactory = _ => "8760h0m0s" };

    public IEnumerable<Option> All => [DnsPatterns, IpRanges, MaxExpiration];

    public ApproverOptions Read(ParseResult result) => new(
        (result.GetValue(DnsPatterns) ?? []).Select(Pattern).ToList(),
        (result.GetValue(IpRanges) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Cidr).ToList(),
        Duration(result.GetValue(MaxExpiration)!, "--max-expiration"));

    public static TimeSpan Duration(string text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new KubePkiException($"{flag}: \"{text}\" is not a valid positive duration (e.g. 8760h)");

    private static Regex Pattern(string text)
    {
        try
        {
            return ApproverOptions.Pattern(text);
        }
        catch (ArgumentException e)
        {
            throw new KubePkiException($"--allowed-dns-pattern: \"{text}\" is not a valid regular expression: {e.Message}");
        }
    }

    private static IPNetwork Cidr(string text) =>
        IpAddressText.TryParseCidr(text, out var network) ? network : throw new KubePkiException($"--allowed-ip-ranges: \"{text}\" is not a CIDR");
}
