using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Controller.Signing;

/// <summary>The subject kube-controller-manager's signer writes: it parses the request's subject into Go's pkix.Name
/// and marshals that again (<c>Subject: cr.Subject</c>), so only C, ST, L, street, postalCode, O, OU, CN and
/// serialNumber with string values survive (the last CN wins), in that order, each attribute type as one RDN holding
/// all its values, each value a PrintableString when its characters allow, else a UTF8String.</summary>
public static class CertificateSubject
{
    private const string CommonName = "2.5.4.3";
    private const string SerialNumber = "2.5.4.5";

    // pkix.Name.ToRDNSequence's order for the multi-valued attributes, then CN, then serialNumber.
    private static readonly string[] MultiValued =
    [
        "2.5.4.6", // C
        "2.5.4.8", // ST
        "2.5.4.7", // L
        "2.5.4.9", // street
        "2.5.4.17", // postalCode
        "2.5.4.10", // O
        "2.5.4.11", // OU
    ];

    public static X500DistinguishedName FromRequest(X500DistinguishedName requested)
    {
        var values = Read(requested);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in MultiValued)
            {
                if (values.TryGetValue(oid, out var list) && list.Count > 0)
                {
                    WriteRdn(writer, oid, list);
                }
            }
            if (values.TryGetValue(CommonName, out var names) && names.Count > 0 && names[^1].Length > 0)
            {
                WriteRdn(writer, CommonName, [names[^1]]);
            }
            if (values.TryGetValue(SerialNumber, out var serials) && serials.Count > 0 && serials[^1].Length > 0)
            {
                WriteRdn(writer, SerialNumber, [serials[^1]]);
            }
        }
        return new X500DistinguishedName(writer.Encode());
    }

    private static Dictionary<string, List<string>> Read(X500DistinguishedName name)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var set = sequence.ReadSetOf();
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var type = attribute.ReadObjectIdentifier();
                if (ReadString(attribute) is not { } value)
                {
                    continue; // Go's FillFromRDNSequence skips values that are not strings
                }
                if (!values.TryGetValue(type, out var list))
                {
                    values[type] = list = [];
                }
                list.Add(value);
            }
        }
        return values;
    }

    private static string? ReadString(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (
            tag.TagClass == TagClass.Universal
            && (UniversalTagNumber)tag.TagValue
                is UniversalTagNumber.PrintableString
                    or UniversalTagNumber.IA5String
                    or UniversalTagNumber.UTF8String
                    or UniversalTagNumber.T61String
                    or UniversalTagNumber.NumericString
                    or UniversalTagNumber.BMPString
        )
        {
            return reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
        }
        reader.ReadEncodedValue();
        return null;
    }

    private static void WriteRdn(AsnWriter writer, string oid, IReadOnlyList<string> values)
    {
        // DER sorts the SET OF, as Go's marshaller does for a multi-valued RDN.
        using (writer.PushSetOf())
        {
            foreach (var value in values)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(
                        IsPrintable(value) ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String,
                        value
                    );
                }
            }
        }
    }

    // encoding/asn1's PrintableString set when it marshals a Go string (no '*' and no '&').
    private static bool IsPrintable(string value) =>
        value.All(c =>
            char.IsAsciiLetterOrDigit(c)
            || c is ' ' or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ':' or '=' or '?'
        );
}
