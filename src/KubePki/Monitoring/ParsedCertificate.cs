using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Monitoring;

/// <summary>What the exporter keeps of one parsed certificate: the label values x509-certificate-exporter derives
/// from it and its validity. Parsed once per file content, so a scrape never touches ASN.1.</summary>
internal sealed record ParsedCertificate(
    IReadOnlyList<Label> NameLabels,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter
)
{
    // x509-certificate-exporter v3's subject_/issuer_ fields from Go's pkix.Name: the first Country, StreetAddress
    // (its "ST", not the state), Locality, Organization and OrganizationalUnit, and the last CommonName (Go keeps
    // overwriting it), across every attribute of every RDN, multi-valued ones included.
    private static readonly (string Oid, string Suffix, bool Last)[] NameFields =
    [
        ("2.5.4.6", "C", false),
        ("2.5.4.9", "ST", false),
        ("2.5.4.7", "L", false),
        ("2.5.4.10", "O", false),
        ("2.5.4.11", "OU", false),
        ("2.5.4.3", "CN", true),
    ];

    public static ParsedCertificate From(X509Certificate2 certificate)
    {
        var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true);
        var labels = new List<Label>(14) { new("serial_number", serial.ToString(CultureInfo.InvariantCulture)) };
        AddNameFields(labels, "subject", certificate.SubjectName);
        AddNameFields(labels, "issuer", certificate.IssuerName);
        return new ParsedCertificate(
            labels,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)
        );
    }

    private static void AddNameFields(List<Label> labels, string prefix, X500DistinguishedName name)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (oid, value) in Attributes(name))
        {
            if (NameFields.FirstOrDefault(f => f.Oid == oid) is { Suffix: not null } field)
            {
                if (field.Last)
                {
                    values[oid] = value;
                }
                else
                {
                    values.TryAdd(oid, value);
                }
            }
        }
        foreach (var (oid, suffix, _) in NameFields)
        {
            if (values.TryGetValue(oid, out var value))
            {
                labels.Add(new Label($"{prefix}_{suffix}", value));
            }
        }
    }

    /// <summary>Every (type, string value) of a Name in encoding order: SEQUENCE OF SET OF {type, value}. Values that
    /// are not one of the string types Go reads are skipped.</summary>
    private static IEnumerable<(string Oid, string Value)> Attributes(X500DistinguishedName name)
    {
        var result = new List<(string, string)>();
        try
        {
            var sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var set = sequence.ReadSetOf(skipSortOrderValidation: true);
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var oid = attribute.ReadObjectIdentifier();
                    var tag = attribute.PeekTag();
                    if (tag.TagClass == TagClass.Universal && StringTypes.Contains((UniversalTagNumber)tag.TagValue))
                    {
                        result.Add((oid, attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)));
                    }
                }
            }
        }
        catch (AsnContentException)
        {
            // The certificate loader accepted the name; an attribute this reader cannot decode gives no label.
        }
        return result;
    }

    private static readonly UniversalTagNumber[] StringTypes =
    [
        UniversalTagNumber.UTF8String,
        UniversalTagNumber.PrintableString,
        UniversalTagNumber.IA5String,
        UniversalTagNumber.T61String,
        UniversalTagNumber.BMPString,
        UniversalTagNumber.NumericString,
    ];
}

/// <summary>One Prometheus label.</summary>
internal readonly record struct Label(string Name, string Value);

/// <summary>Reads every CERTIFICATE block of a PEM bundle, skipping other blocks (keys, CSRs) as Go's pem.Decode loop
/// does. A bundle yields one entry per certificate, so every CA of a CA bundle is its own series.</summary>
internal static class PemBundle
{
    /// <summary>The certificates, in file order; empty when the text has PEM blocks but none is a certificate;
    /// throws <see cref="KubePkiException"/> for a malformed certificate or text without any PEM block.</summary>
    public static IReadOnlyList<ParsedCertificate> Parse(ReadOnlySpan<char> text, string source)
    {
        var result = new List<ParsedCertificate>();
        var rest = text;
        var blocks = 0;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            blocks++;
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    using var certificate = X509CertificateLoader.LoadCertificate(der);
                    result.Add(ParsedCertificate.From(certificate));
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    var reason = e.Message.Split('\n')[0].Trim();
                    throw new KubePkiException(
                        $"{source}: malformed certificate: {reason}",
                        KubePkiErrorKind.InvalidFile,
                        e
                    );
                }
            }
            rest = rest[fields.Location.End..];
        }
        if (blocks == 0)
        {
            throw new KubePkiException($"{source}: no PEM data found", KubePkiErrorKind.InvalidFile);
        }
        return result;
    }

    /// <summary>Like <see cref="Parse"/>, but a bundle without any certificate is an error too.</summary>
    public static IReadOnlyList<ParsedCertificate> ParseCertificates(ReadOnlySpan<char> text, string source)
    {
        var result = Parse(text, source);
        return result.Count > 0
            ? result
            : throw new KubePkiException($"{source}: no certificate found", KubePkiErrorKind.InvalidFile);
    }
}
