using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;

namespace KubePki.Controller.Signing;

/// <summary>Builds and signs the certificate KCM's CertificateAuthority.Sign would: subject, DNS/IP/email/URI SANs and
/// key copied from the request, every other request extension dropped, CA:false, KU/EKU only from spec.usages, a
/// random 128-bit serial. Extensions in Go's order: KU, EKU, BC, AKI, SAN.</summary>
public static class CertificateMinter
{
    public static X509Certificate2 Mint(
        CsrRequest request,
        IReadOnlyList<string> usages,
        SigningWindow window,
        CertificateAuthority ca
    )
    {
        var key = ca.Key ?? throw new InvalidOperationException("the signing CA has no private key");
        var (keyUsage, extendedKeyUsages) = KeyUsages.Map(usages);
        var subject = CertificateSubject.FromRequest(request.Subject);
        var builder = new CertificateRequest(subject, request.PublicKey, key.SignatureHash);
        if (keyUsage != X509KeyUsageFlags.None)
        {
            builder.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, critical: true));
        }
        if (extendedKeyUsages.Count > 0)
        {
            var oids = new System.Security.Cryptography.OidCollection();
            foreach (var oid in extendedKeyUsages)
            {
                oids.Add(new System.Security.Cryptography.Oid(oid));
            }
            builder.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        }
        builder.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        if (CertificateAuthority.SubjectKeyIdOf(ca.Certificate) is { Length: > 0 } authorityKeyId)
        {
            builder.CertificateExtensions.Add(
                X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(authorityKeyId)
            );
        }
        if (request.DnsNames.Count + request.IpAddresses.Count + request.EmailAddresses.Count + request.Uris.Count > 0)
        {
            builder.CertificateExtensions.Add(SubjectAltNames(request, subject));
        }
        return builder.Create(
            ca.Certificate.SubjectName,
            key.CreateSignatureGenerator(),
            window.NotBefore,
            window.NotAfter,
            RandomSerial.New()
        );
    }

    // Written by hand: SubjectAlternativeNameBuilder would reject some names Go copies verbatim (and order differs).
    // Go's order is DNS, email, IP, URI.
    private static X509Extension SubjectAltNames(CsrRequest request, X500DistinguishedName subject)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var dns in request.DnsNames)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    dns,
                    new Asn1Tag(TagClass.ContextSpecific, 2)
                );
            }
            foreach (var email in request.EmailAddresses)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    email,
                    new Asn1Tag(TagClass.ContextSpecific, 1)
                );
            }
            foreach (var ip in request.IpAddresses)
            {
                writer.WriteOctetString(ip.GetAddressBytes(), new Asn1Tag(TagClass.ContextSpecific, 7));
            }
            foreach (var uri in request.Uris)
            {
                writer.WriteCharacterString(
                    UniversalTagNumber.IA5String,
                    uri,
                    new Asn1Tag(TagClass.ContextSpecific, 6)
                );
            }
        }
        // RFC 5280: with an empty subject the SAN extension must be critical (Go does the same).
        var emptySubject = subject.RawData.Length <= 2;
        return new X509Extension("2.5.29.17", writer.Encode(), critical: emptySubject);
    }
}
