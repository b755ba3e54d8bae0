using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;
using KubePki.GoText;

namespace KubePki.Controller.Signing;

/// <summary>spec.request bytes → <see cref="CsrRequest"/>, as the API's validation and KCM's ParseCSR see it: exactly
/// one
/// PEM block of type <c>CERTIFICATE REQUEST</c>, a valid self-signature, then the subject, SANs and key.</summary>
public static class CsrRequestParser
{
    private const string SanOid = "2.5.29.17";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";

    /// <param name="verifySignature">The approver verifies the self-signature before trusting a request. The signer
    /// does not, as kube-controller-manager's ParseCSR does not: the API server verified it when the CSR was created
    /// and
    /// only approved CSRs are signed. Skipping it roughly halves the signer's parse cost.</param>
    public static CsrRequest Parse(ReadOnlySpan<byte> request, bool verifySignature = true)
    {
        var text = System.Text.Encoding.ASCII.GetString(request);
        if (!PemEncoding.TryFind(text, out var fields))
        {
            throw new InvalidCsrException("PEM block type must be CERTIFICATE REQUEST");
        }
        if (text[fields.Label] != "CERTIFICATE REQUEST")
        {
            throw new InvalidCsrException("PEM block type must be CERTIFICATE REQUEST");
        }
        byte[] der;
        try
        {
            der = Convert.FromBase64String(text[fields.Base64Data]);
        }
        catch (FormatException e)
        {
            throw new InvalidCsrException("PEM block is not valid base64", e);
        }
        CertificateRequest parsed;
        try
        {
            // First without the signature check: a key type the platform cannot verify with (Ed25519, DSA) must give a
            // clear "unsupported key" rather than a verification error. SAN and other extensions are kept.
            parsed = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, out _, Unverified);
        }
        catch (CryptographicException e)
        {
            throw new InvalidCsrException($"invalid certificate request: {FirstLine(e.Message)}", e);
        }
        var key = KeyOf(parsed.PublicKey);
        if (verifySignature && !SignedByOpenSslCheck(der, parsed.PublicKey))
        {
            try
            {
                // The default options verify the self-signature, as Go's CheckSignature does.
                CertificateRequest.LoadSigningRequest(
                    der,
                    HashAlgorithmName.SHA256,
                    out _,
                    CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions
                );
            }
            catch (Exception e) when (e is CryptographicException or NotSupportedException)
            {
                throw new InvalidCsrException($"invalid certificate request: {FirstLine(e.Message)}", e);
            }
        }
        return Describe(parsed, key);
    }

    // The self-signature of an ECDSA request (what kubelets send) checked through OpenSSL's EC_KEY functions, a third
    // of the cost of .NET's key import and verification. Only a valid signature is decided here: anything else (RSA,
    // another algorithm, a compressed point, a bad signature, no OpenSSL) takes the platform's check, which gives the
    // same answer and its own error.
    private static bool SignedByOpenSslCheck(byte[] der, PublicKey key)
    {
        if (!OpenSslEcdsa.IsAvailable || key.Oid.Value != "1.2.840.10045.2.1")
        {
            return false;
        }
        try
        {
            // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
            var request = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var info = request.ReadEncodedValue().Span;
            var algorithm = request.ReadSequence();
            var hash = algorithm.ReadObjectIdentifier() switch
            {
                "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                _ => default,
            };
            var signature = request.ReadBitString(out var unusedBits);
            var parameters = key.EncodedParameters?.RawData ?? [];
            var curve =
                parameters.Length == 0 ? "" : new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier();
            var point = key.EncodedKeyValue.RawData;
            var coordinate = curve switch
            {
                "1.2.840.10045.3.1.7" => 32,
                "1.3.132.0.34" => 48,
                "1.3.132.0.35" => 66,
                _ => 0,
            };
            if (
                hash == default
                || algorithm.HasData
                || unusedBits != 0
                || coordinate == 0
                || point.Length != 1 + 2 * coordinate
                || point[0] != 4
            )
            {
                return false;
            }
            Span<byte> digest = stackalloc byte[64];
            var length = CryptographicOperations.HashData(hash, info, digest);
            return OpenSslEcdsa.Verify(curve, point, digest[..length], signature);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private const CertificateRequestLoadOptions Unverified =
        CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions
        | CertificateRequestLoadOptions.SkipSignatureValidation;

    private static CsrRequest Describe(CertificateRequest request, (string Algorithm, int Size) key)
    {
        var (commonNames, organizations) = ReadSubject(request.SubjectName);
        var commonName = commonNames.Count > 0 ? commonNames[^1] : "";
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        var emails = new List<string>();
        var uris = new List<string>();
        var oids = new List<string>();
        var requestsCa = false;
        foreach (var extension in request.CertificateExtensions)
        {
            var oid = extension.Oid?.Value ?? "";
            oids.Add(oid);
            if (oid == SanOid)
            {
                ReadSans(extension.RawData, dns, ips, emails, uris);
            }
            else if (oid == BasicConstraintsOid)
            {
                requestsCa |= RequestsCa(extension);
            }
        }
        return new CsrRequest(
            request.SubjectName,
            commonName,
            organizations,
            dns,
            ips,
            emails,
            uris,
            request.PublicKey,
            key.Algorithm,
            key.Size,
            oids,
            requestsCa
        )
        {
            CommonNames = commonNames,
        };
    }

    private static bool RequestsCa(X509Extension extension)
    {
        try
        {
            var constraints = new X509BasicConstraintsExtension();
            constraints.CopyFrom(extension);
            return constraints.CertificateAuthority || constraints.HasPathLengthConstraint;
        }
        catch (CryptographicException e)
        {
            throw new InvalidCsrException("invalid certificate request: malformed basicConstraints extension", e);
        }
    }

    // Key type and size read from the SubjectPublicKeyInfo itself: instantiating the key (GetECDsaPublicKey) validates
    // the curve point and costs ~0.1 ms, most of the signer's parse time; the self-signature check already proves the
    // key.
    // Only RSA and ECDSA on the NIST curves are signed: anything else is refused here, before any signature check.
    private static (string, int) KeyOf(PublicKey key)
    {
        var oid = key.Oid.Value ?? "";
        try
        {
            switch (oid)
            {
                case "1.2.840.113549.1.1.1": // rsaEncryption: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
                    var modulus = new AsnReader(key.EncodedKeyValue.RawData, AsnEncodingRules.DER)
                        .ReadSequence()
                        .ReadIntegerBytes()
                        .Span;
                    modulus = modulus.TrimStart((byte)0);
                    return (
                        CsrRequest.Rsa,
                        modulus.IsEmpty
                            ? 0
                            : modulus.Length * 8 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]) + 24
                    );
                case "1.2.840.10045.2.1": // id-ecPublicKey with a named curve
                    var parameters = key.EncodedParameters?.RawData ?? [];
                    var curve =
                        parameters.Length == 0
                            ? ""
                            : new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier();
                    return (
                        CsrRequest.Ecdsa,
                        curve switch
                        {
                            "1.2.840.10045.3.1.7" => 256,
                            "1.3.132.0.34" => 384,
                            "1.3.132.0.35" => 521,
                            _ => throw new UnsupportedKeyException(
                                $"unsupported key type: ECDSA on curve {CurveName(curve)} (only P-256, P-384 and "
                                    + $"P-521 are signed)"
                            ),
                        }
                    );
            }
        }
        catch (AsnContentException e)
        {
            throw new InvalidCsrException("invalid certificate request: malformed public key", e);
        }
        throw new UnsupportedKeyException($"unsupported key type: {KeyName(oid)} (only RSA and ECDSA keys are signed)");
    }

    private static string KeyName(string oid) =>
        oid switch
        {
            "1.3.101.112" => "Ed25519",
            "1.3.101.113" => "Ed448",
            "1.3.101.110" => "X25519",
            "1.3.101.111" => "X448",
            "1.2.840.10040.4.1" => "DSA",
            "1.2.840.113549.1.1.10" => "RSASSA-PSS",
            _ => $"algorithm {oid}",
        };

    private static string CurveName(string oid) =>
        oid switch
        {
            "" => "(explicit parameters)",
            "1.3.132.0.10" => "secp256k1",
            "1.3.132.0.33" => "P-224",
            "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
            "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
            "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
            _ => oid,
        };

    // Read by hand so multi-valued RDNs do not throw; like Go's pkix.Name, the last CN wins and every O counts. Every
    // CN
    // is kept so that a subject with two can be refused.
    private static (IReadOnlyList<string>, IReadOnlyList<string>) ReadSubject(X500DistinguishedName name)
    {
        var commonNames = new List<string>();
        var organizations = new List<string>();
        try
        {
            var sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var set = sequence.ReadSetOf();
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    var type = attribute.ReadObjectIdentifier();
                    var value = ReadString(attribute);
                    if (type == CommonNameOid)
                    {
                        commonNames.Add(value);
                    }
                    else if (type == OrganizationOid)
                    {
                        organizations.Add(value);
                    }
                }
            }
        }
        catch (AsnContentException e)
        {
            throw new InvalidCsrException("invalid certificate request: malformed subject", e);
        }
        return (commonNames, organizations);
    }

    private static string ReadString(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass == TagClass.Universal && Enum.IsDefined((UniversalTagNumber)tag.TagValue))
        {
            try
            {
                return reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            }
            catch (ArgumentException) { }
        }
        reader.ReadEncodedValue();
        return "";
    }

    private static void ReadSans(
        byte[] raw,
        List<string> dns,
        List<IPAddress> ips,
        List<string> emails,
        List<string> uris
    )
    {
        try
        {
            var names = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific)
                {
                    names.ReadEncodedValue();
                    continue;
                }
                switch (tag.TagValue)
                {
                    case 1:
                        emails.Add(
                            names.ReadCharacterString(
                                UniversalTagNumber.IA5String,
                                new Asn1Tag(TagClass.ContextSpecific, 1)
                            )
                        );
                        break;
                    case 2:
                        dns.Add(
                            names.ReadCharacterString(
                                UniversalTagNumber.IA5String,
                                new Asn1Tag(TagClass.ContextSpecific, 2)
                            )
                        );
                        break;
                    case 6:
                        uris.Add(
                            names.ReadCharacterString(
                                UniversalTagNumber.IA5String,
                                new Asn1Tag(TagClass.ContextSpecific, 6)
                            )
                        );
                        break;
                    case 7:
                        var bytes = names.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7));
                        if (bytes.Length is not (4 or 16))
                        {
                            throw new InvalidCsrException(
                                $"invalid certificate request: invalid IP address SAN of {bytes.Length} bytes"
                            );
                        }
                        // Go writes an IPv4-mapped SAN as 4 bytes
                        ips.Add(IpAddressText.Canonical(new IPAddress(bytes)));
                        break;
                    default:
                        names.ReadEncodedValue();
                        break;
                }
            }
        }
        catch (AsnContentException e)
        {
            throw new InvalidCsrException("invalid certificate request: malformed subjectAltName extension", e);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
