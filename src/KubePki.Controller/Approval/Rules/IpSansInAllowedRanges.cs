using KubePki.GoText;

namespace KubePki.Controller.Approval;

/// <summary>With --allowed-ip-ranges, every IP SAN must also lie in one of those CIDRs (e.g. the node subnet
/// only).</summary>
public sealed class IpSansInAllowedRanges : IApprovalRule
{
    public string Name => nameof(IpSansInAllowedRanges);

    public string? Check(ApprovalInput input)
    {
        var ranges = input.Options.AllowedIpRanges;
        if (ranges.Count == 0)
        {
            return null;
        }
        var outside = input.Request.IpAddresses.Where(ip => !ranges.Any(r => IpAddressText.Contains(r, ip))).ToList();
        return outside.Count == 0
            ? null
            : $"IP subjectAltNames [{string.Join(' ', outside)}] are outside the allowed ranges "
                + $"[{string.Join(' ', ranges)}]";
    }
}
