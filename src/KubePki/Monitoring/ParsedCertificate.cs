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
    // x509-certificate-exporter's subject_/issuer_ fields, by attribute OID; the first value of each wins.
    private static readonly (string Oid, string Suffix)[] NameFields =
    [
        ("2.5.4.6", "C"),
        ("2.5.4.8", "ST"),
        ("2.5.4.7", "L"),
        ("2.5.4.10", "O"),
        ("2.5.4.11", "OU"),
        ("2.5.4.3", "CN"),
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
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }
            var oid = rdn.GetSingleElementType().Value;
            if (oid is not null && rdn.GetSingleElementValue() is { } value)
            {
                values.TryAdd(oid, value);
            }
        }
        foreach (var (oid, suffix) in NameFields)
        {
            if (values.TryGetValue(oid, out var value))
            {
                labels.Add(new Label($"{prefix}_{suffix}", value));
            }
        }
    }
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
