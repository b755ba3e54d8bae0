using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Support;

/// <summary>Builds PKCS#10 PEM requests for tests, including broken ones.</summary>
public static class CsrFactory
{
    public static byte[] Pem(CsrSpec spec) => System.Text.Encoding.ASCII.GetBytes(PemText(spec, out _));

    public static string PemText(CsrSpec spec, out PrivateKey key)
    {
        key = NewKey(spec.Key);
        var subject = spec.Subject ?? SubjectName.Create(spec.CommonName, spec.Organizations);
        var request = new CertificateRequest(subject, key.PublicKey, HashAlgorithmName.SHA256);
        if (spec.DnsNames.Count + spec.IpAddresses.Count + spec.Emails.Count + spec.Uris.Count > 0)
        {
            request.CertificateExtensions.Add(SubjectAltNames(spec));
        }
        foreach (var extension in spec.ExtraExtensions)
        {
            request.CertificateExtensions.Add(extension);
        }
        return request.CreateSigningRequestPem(key.CreateSignatureGenerator()) + "\n";
    }

    // Written by hand, as a hostile client would: SubjectAlternativeNameBuilder refuses names with control characters.
    private static X509Extension SubjectAltNames(CsrSpec spec)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var email in spec.Emails)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    email,
                    new Asn1Tag(TagClass.ContextSpecific, 1)
                );
            }
            foreach (var dns in spec.DnsNames)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    dns,
                    new Asn1Tag(TagClass.ContextSpecific, 2)
                );
            }
            foreach (var uri in spec.Uris)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    uri.OriginalString,
                    new Asn1Tag(TagClass.ContextSpecific, 6)
                );
            }
            foreach (var ip in spec.IpAddresses)
            {
                writer.WriteOctetString(ip.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
            }
        }
        return new X509Extension("2.5.29.17", writer.Encode(), false);
    }

    /// <summary>A request whose signature no longer matches its content: one byte of the subject is changed.</summary>
    public static byte[] BadSignature(CsrSpec spec)
    {
        var text = PemText(spec, out _);
        PemEncoding.TryFind(text, out var fields);
        var der = Convert.FromBase64String(text[fields.Base64Data]);
        var cn = System.Text.Encoding.ASCII.GetBytes(spec.CommonName);
        var at = der.AsSpan().IndexOf(cn);
        der[at + cn.Length - 1] ^= 0x01;
        return System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", der) + "\n");
    }

    private static PrivateKey NewKey(string kind) =>
        kind switch
        {
            "ecdsa" => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
            "rsa" => FixtureKeys.Shared.Generate(KeyAlgorithm.Rsa2048),
            "rsa1024" => PrivateKey.From(RSA.Create(1024)),
            _ => throw new ArgumentException(kind),
        };
}
