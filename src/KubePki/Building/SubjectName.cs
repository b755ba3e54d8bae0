using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Building;

/// <summary>Subject DNs encoded as Go's crypto/x509 does for kubeadm: one single-valued RDN per attribute, O before CN,
/// PrintableString where the value allows it (else UTF8String).</summary>
internal static class SubjectName
{
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";

    public static X500DistinguishedName Create(string commonName, IReadOnlyList<string> organizations)
    {
        var builder = new X500DistinguishedNameBuilder();
        // The builder writes RDNs in the reverse of the order they are added: add CN first so O comes first in DER.
        builder.Add(CommonNameOid, commonName, Encoding(commonName));
        foreach (var organization in organizations.Reverse())
        {
            builder.Add(OrganizationOid, organization, Encoding(organization));
        }
        return builder.Build();
    }

    /// <summary>The CN and O values of a DN, in DER order.</summary>
    public static (string CommonName, IReadOnlyList<string> Organizations) Read(X500DistinguishedName name)
    {
        string commonName = "";
        var organizations = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            foreach (var (type, value) in Attributes(rdn))
            {
                switch (type)
                {
                    case CommonNameOid:
                        commonName = value;
                        break;
                    case OrganizationOid:
                        organizations.Add(value);
                        break;
                }
            }
        }
        return (commonName, organizations);
    }

    // A multi-valued RDN (CN=a+O=b) is read attribute by attribute, as Go's pkix.Name flattens it.
    private static IEnumerable<(string Type, string Value)> Attributes(X500RelativeDistinguishedName rdn)
    {
        if (!rdn.HasMultipleElements)
        {
            return [(rdn.GetSingleElementType().Value ?? "", rdn.GetSingleElementValue() ?? "")];
        }
        var attributes = new List<(string, string)>();
        var set = new AsnReader(rdn.RawData, AsnEncodingRules.DER).ReadSetOf(skipSortOrderValidation: true);
        while (set.HasData)
        {
            var attribute = set.ReadSequence();
            var type = attribute.ReadObjectIdentifier();
            var tag = attribute.PeekTag();
            var value =
                tag.TagClass == TagClass.Universal && Enum.IsDefined((UniversalTagNumber)tag.TagValue)
                    ? TryReadString(attribute, (UniversalTagNumber)tag.TagValue)
                    : null;
            attributes.Add((type, value ?? ""));
        }
        return attributes;
    }

    private static string? TryReadString(AsnReader reader, UniversalTagNumber type)
    {
        try
        {
            return reader.ReadCharacterString(type);
        }
        catch (ArgumentException)
        {
            reader.ReadEncodedValue();
            return null;
        }
    }

    private static UniversalTagNumber Encoding(string value) =>
        value.All(IsPrintable) ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String;

    // X.680 PrintableString alphabet, the test Go uses to choose the string type.
    private static bool IsPrintable(char c) =>
        c
            is >= 'a'
                and <= 'z'
                or >= 'A'
                and <= 'Z'
                or >= '0'
                and <= '9'
                or ' '
                or '\''
                or '('
                or ')'
                or '+'
                or ','
                or '-'
                or '.'
                or '/'
                or ':'
                or '='
                or '?';
}
