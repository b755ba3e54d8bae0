using System.Formats.Asn1;

namespace KubePki.Controller.Tests.Api;

/// <summary>What Go's x509.ParseCertificates demands of status.certificate's blocks, read as DER structure: the
/// Certificate, its TBSCertificate fields in order, times, the key's algorithm and extensions, nothing trailing. The
/// platform's certificate loader would do as well at a hundred times the cost (it decodes the key through OpenSSL's
/// provider machinery); the server checks this for every issued CSR.</summary>
public static class CertificateDer
{
    /// <summary>Null when <paramref name="der"/> is one well-formed certificate; otherwise what is wrong.</summary>
    public static string? Problem(byte[] der)
    {
        try
        {
            var top = new AsnReader(der, AsnEncodingRules.DER);
            var certificate = top.ReadSequence();
            if (top.HasData)
            {
                return "x509: trailing data";
            }
            Tbs(certificate.ReadSequence());
            AlgorithmIdentifier(certificate);
            certificate.ReadBitString(out _);
            return certificate.HasData ? "x509: malformed certificate" : null;
        }
        catch (AsnContentException e)
        {
            return $"x509: malformed certificate: {e.Message}";
        }
    }

    private static void Tbs(AsnReader tbs)
    {
        var explicit0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.PeekTag().HasSameClassAndValue(explicit0))
        {
            var version = tbs.ReadSequence(explicit0);
            if (!version.TryReadInt32(out var number) || number is < 0 or > 2 || version.HasData)
            {
                throw new AsnContentException("invalid version");
            }
        }
        tbs.ReadIntegerBytes();
        AlgorithmIdentifier(tbs);
        tbs.ReadSequence(); // issuer
        var validity = tbs.ReadSequence();
        Time(validity);
        Time(validity);
        if (validity.HasData)
        {
            throw new AsnContentException("malformed validity");
        }
        tbs.ReadSequence(); // subject
        var key = tbs.ReadSequence();
        AlgorithmIdentifier(key);
        key.ReadBitString(out _);
        if (key.HasData)
        {
            throw new AsnContentException("malformed subjectPublicKeyInfo");
        }
        foreach (var unique in (int[])[1, 2])
        {
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, unique)))
            {
                tbs.ReadBitString(out _, new Asn1Tag(TagClass.ContextSpecific, unique));
            }
        }
        var explicit3 = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(explicit3))
        {
            var wrapper = tbs.ReadSequence(explicit3);
            var extensions = wrapper.ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                extension.ReadObjectIdentifier();
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    extension.ReadBoolean();
                }
                extension.ReadOctetString();
                if (extension.HasData)
                {
                    throw new AsnContentException("malformed extension");
                }
            }
            if (wrapper.HasData)
            {
                throw new AsnContentException("malformed extensions");
            }
        }
        if (tbs.HasData)
        {
            throw new AsnContentException("malformed tbs certificate");
        }
    }

    private static void AlgorithmIdentifier(AsnReader reader)
    {
        var algorithm = reader.ReadSequence();
        algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            algorithm.ReadEncodedValue();
        }
        if (algorithm.HasData)
        {
            throw new AsnContentException("malformed algorithm identifier");
        }
    }

    private static void Time(AsnReader reader)
    {
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            reader.ReadUtcTime();
        }
        else
        {
            reader.ReadGeneralizedTime();
        }
    }
}
