using System.Security.Cryptography.X509Certificates;

namespace KubePki.Controller.Signing;

/// <summary>The 23 <c>spec.usages</c> values and what KCM's keyUsagesFromStrings turns them into. The EKU rank is Go's
/// x509.ExtKeyUsage value, by which KCM sorts the EKU list.</summary>
public static class KeyUsages
{
    public const string Signing = "signing";
    public const string DigitalSignature = "digital signature";
    public const string KeyEncipherment = "key encipherment";
    public const string ServerAuth = "server auth";
    public const string ClientAuth = "client auth";
    public const string CertSign = "cert sign";

    private static readonly Dictionary<string, X509KeyUsageFlags> KeyUsage = new(StringComparer.Ordinal)
    {
        ["signing"] = X509KeyUsageFlags.DigitalSignature,
        ["digital signature"] = X509KeyUsageFlags.DigitalSignature,
        ["content commitment"] = X509KeyUsageFlags.NonRepudiation,
        ["key encipherment"] = X509KeyUsageFlags.KeyEncipherment,
        ["key agreement"] = X509KeyUsageFlags.KeyAgreement,
        ["data encipherment"] = X509KeyUsageFlags.DataEncipherment,
        ["cert sign"] = X509KeyUsageFlags.KeyCertSign,
        ["crl sign"] = X509KeyUsageFlags.CrlSign,
        ["encipher only"] = X509KeyUsageFlags.EncipherOnly,
        ["decipher only"] = X509KeyUsageFlags.DecipherOnly,
    };

    private static readonly Dictionary<string, (int Rank, string Oid)> ExtendedKeyUsage = new(StringComparer.Ordinal)
    {
        ["any"] = (0, "2.5.29.37.0"),
        ["server auth"] = (1, "1.3.6.1.5.5.7.3.1"),
        ["client auth"] = (2, "1.3.6.1.5.5.7.3.2"),
        ["code signing"] = (3, "1.3.6.1.5.5.7.3.3"),
        ["email protection"] = (4, "1.3.6.1.5.5.7.3.4"),
        ["s/mime"] = (4, "1.3.6.1.5.5.7.3.4"),
        ["ipsec end system"] = (5, "1.3.6.1.5.5.7.3.5"),
        ["ipsec tunnel"] = (6, "1.3.6.1.5.5.7.3.6"),
        ["ipsec user"] = (7, "1.3.6.1.5.5.7.3.7"),
        ["timestamping"] = (8, "1.3.6.1.5.5.7.3.8"),
        ["ocsp signing"] = (9, "1.3.6.1.5.5.7.3.9"),
        ["microsoft sgc"] = (10, "1.3.6.1.4.1.311.10.3.3"),
        ["netscape sgc"] = (11, "2.16.840.1.113730.4.1"),
    };

    public static bool IsKnown(string usage) => KeyUsage.ContainsKey(usage) || ExtendedKeyUsage.ContainsKey(usage);

    public static IEnumerable<string> AllNames => KeyUsage.Keys.Concat(ExtendedKeyUsage.Keys);

    /// <summary>KU flags and the de-duplicated EKU OIDs in Go's order; unknown values are an error, as in
    /// KCM.</summary>
    public static (X509KeyUsageFlags KeyUsage, IReadOnlyList<string> ExtendedKeyUsages) Map(IEnumerable<string> usages)
    {
        var flags = X509KeyUsageFlags.None;
        var extended = new SortedDictionary<int, string>();
        var unknown = new List<string>();
        foreach (var usage in usages)
        {
            if (KeyUsage.TryGetValue(usage, out var flag))
            {
                flags |= flag;
            }
            else if (ExtendedKeyUsage.TryGetValue(usage, out var eku))
            {
                extended[eku.Rank] = eku.Oid;
            }
            else
            {
                unknown.Add(usage);
            }
        }
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unrecognized usage values: [{string.Join(' ', unknown)}]");
        }
        return (flags, extended.Values.ToList());
    }
}
