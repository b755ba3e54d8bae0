using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Crypto;

/// <summary>Checks, once at decode time, the parts of a certificate KubePki reads later (subject, subjectAltName,
/// extKeyUsage, basicConstraints, keyUsage), so that a malformed encoding is one sentence naming the problem — the
/// encodings Go's crypto/x509 refuses to parse — instead of an exception deep in a later step.</summary>
internal static class CertificateEncoding
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string ExtKeyUsageOid = "2.5.29.37";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string KeyUsageOid = "2.5.29.15";

    /// <summary>Critical extensions Go's x509 verifier handles; any other critical extension fails
    /// verification.</summary>
    private static readonly HashSet<string> HandledCritical =
    [
        KeyUsageOid,
        BasicConstraintsOid,
        SubjectAltNameOid,
        ExtKeyUsageOid,
        "2.5.29.30", // nameConstraints
        "2.5.29.32", // certificatePolicies
        "2.5.29.35", // authorityKeyIdentifier
        "2.5.29.14", // subjectKeyIdentifier
        "2.5.29.36", // policyConstraints
        "2.5.29.54", // inhibitAnyPolicy
        "2.5.29.33", // policyMappings
    ];

    /// <summary>What is wrong with the encoding, or null.</summary>
    public static string? Problem(X509Certificate2 certificate)
    {
        if (ValidityProblem(certificate) is { } validity)
        {
            return validity;
        }
        try
        {
            foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
            {
                SubjectAttributes(rdn);
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return $"the subject is malformed: {e.Message.TrimEnd('.')}";
        }
        foreach (var extension in certificate.Extensions)
        {
            var problem = extension.Oid?.Value switch
            {
                SubjectAltNameOid => Guard("subjectAltName", () => SubjectAltNameProblem(extension)),
                ExtKeyUsageOid => Guard("extKeyUsage", () => ExtKeyUsage(extension)),
                BasicConstraintsOid => Guard("basicConstraints", () => BasicConstraints(extension)),
                KeyUsageOid => Guard("keyUsage", () => KeyUsage(extension)),
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }
        return null;
    }

    /// <summary>The OID of a critical extension Go's verifier would reject ("x509: unhandled critical extension"),
    /// or null.</summary>
    public static string? UnhandledCriticalExtension(X509Certificate2 certificate) =>
        certificate
            .Extensions.Where(e => e.Critical && !HandledCritical.Contains(e.Oid?.Value ?? ""))
            .Select(e => e.Oid?.Value ?? "?")
            .FirstOrDefault();

    private static string? Guard(string name, Func<string?> check)
    {
        try
        {
            return check() is { } detail ? $"the {name} extension has {detail}" : null;
        }
        catch (Exception e)
            when (e is AsnContentException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            return $"the {name} extension is malformed: {e.Message.TrimEnd('.')}";
        }
    }

    // The validity times are decoded lazily by the platform; a time it cannot convert fails on first access.
    private static string? ValidityProblem(X509Certificate2 certificate)
    {
        try
        {
            _ = certificate.NotBefore.ToUniversalTime();
            _ = certificate.NotAfter.ToUniversalTime();
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return $"the validity period cannot be read: {e.Message.TrimEnd('.')}";
        }
    }

    // Reads each subject attribute the way the subject readers do, so their value decoding cannot fail later.
    private static void SubjectAttributes(X500RelativeDistinguishedName rdn)
    {
        if (!rdn.HasMultipleElements)
        {
            _ = rdn.GetSingleElementType();
            _ = rdn.GetSingleElementValue();
            return;
        }
        var set = new AsnReader(rdn.RawData, AsnEncodingRules.DER).ReadSetOf(skipSortOrderValidation: true);
        while (set.HasData)
        {
            var attribute = set.ReadSequence();
            attribute.ReadObjectIdentifier();
            var tag = attribute.PeekTag();
            if (tag.TagClass == TagClass.Universal && Enum.IsDefined((UniversalTagNumber)tag.TagValue))
            {
                try
                {
                    attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                }
                catch (ArgumentException)
                {
                    // Not a character string type: the readers keep such a value as empty.
                }
            }
        }
    }

    private static string? ExtKeyUsage(X509Extension extension)
    {
        SequenceOfOids(extension.RawData);
        if (extension is X509EnhancedKeyUsageExtension usages)
        {
            _ = usages.EnhancedKeyUsages.Count;
        }
        return null;
    }

    private static string? SubjectAltNameProblem(X509Extension extension)
    {
        if (SubjectAltNameProblem(extension.RawData) is { } problem)
        {
            return problem;
        }
        if (extension is X509SubjectAlternativeNameExtension names)
        {
            _ = names.EnumerateDnsNames().Count();
            _ = names.EnumerateIPAddresses().Count();
        }
        return null;
    }

    // GeneralNames ::= SEQUENCE OF GeneralName; dNSName [2] IA5String; iPAddress [7] OCTET STRING of 4 or 16 bytes.
    private static string? SubjectAltNameProblem(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        AtEnd(reader);
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 2 && !tag.IsConstructed)
            {
                var value = names.ReadOctetString(tag);
                if (value.Any(b => b > 0x7F))
                {
                    return "a DNS name that is not an IA5String (ASCII)";
                }
            }
            else if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 7 && !tag.IsConstructed)
            {
                var value = names.ReadOctetString(tag);
                if (value.Length is not (4 or 16))
                {
                    return $"an IP address of {value.Length} bytes (expected 4 or 16)";
                }
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
        return null;
    }

    private static string? SequenceOfOids(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var oids = reader.ReadSequence();
        AtEnd(reader);
        while (oids.HasData)
        {
            oids.ReadObjectIdentifier();
        }
        return null;
    }

    private static string? BasicConstraints(X509Extension extension)
    {
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        var constraints = reader.ReadSequence();
        AtEnd(reader);
        if (constraints.HasData && constraints.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
        {
            constraints.ReadBoolean();
        }
        if (constraints.HasData)
        {
            constraints.ReadInteger();
        }
        AtEnd(constraints);
        return null;
    }

    private static string? KeyUsage(X509Extension extension)
    {
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        reader.ReadBitString(out _);
        AtEnd(reader);
        return null;
    }

    private static void AtEnd(AsnReader reader)
    {
        if (reader.HasData)
        {
            throw new AsnContentException("unexpected data after the end of the value");
        }
    }
}
