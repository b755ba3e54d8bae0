using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;

namespace KubePki.Controller.Signing;

/// <summary>Builds and signs the certificate KCM's CertificateAuthority.Sign would: subject, DNS/IP/email/URI SANs and
/// key copied from the request, every other request extension dropped, CA:false, KU/EKU only from spec.usages, a
/// random 128-bit serial. Extensions in Go's order: KU, EKU, BC, AKI, SAN.</summary>
/// <remarks>The TBSCertificate is written directly (the bytes .NET's CertificateRequest.Create would write for the
/// same inputs), signed once with the CA's key and returned as DER: no certificate object is loaded. What depends
/// only on the CA (issuer name, AKI, signature algorithm) or only on the usages (KU, EKU, BC) is encoded once and
/// reused.</remarks>
public static class CertificateMinter
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const int MaxCachedUsageSets = 64;

    private static readonly ConditionalWeakTable<CertificateAuthority, Authority> Authorities = new();
    private static readonly ConcurrentDictionary<string, byte[][]> UsageExtensions = new(StringComparer.Ordinal);

    /// <summary>The DER certificate. Throws <see cref="ArgumentException"/> for unknown usages.</summary>
    public static byte[] Mint(
        CsrRequest request,
        IReadOnlyList<string> usages,
        SigningWindow window,
        CertificateAuthority ca
    ) => Mint(request, usages, window, ca, RandomSerial.New());

    /// <summary>As <see cref="Mint(CsrRequest, IReadOnlyList{string}, SigningWindow, CertificateAuthority)"/> with a
    /// given serial (a minimal positive DER INTEGER body).</summary>
    internal static byte[] Mint(
        CsrRequest request,
        IReadOnlyList<string> usages,
        SigningWindow window,
        CertificateAuthority ca,
        byte[] serial
    )
    {
        var authority = AuthorityOf(ca);
        if (window.NotAfter < window.NotBefore)
        {
            throw new ArgumentException("the certificate's NotAfter is earlier than its NotBefore");
        }
        var subject = CertificateSubject.FromRequest(request.Subject);
        var writer = new AsnWriter(AsnEncodingRules.DER, initialCapacity: 1024);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                writer.WriteInteger(2); // v3
            }
            writer.WriteInteger(serial);
            writer.WriteEncodedValue(authority.SignatureAlgorithm);
            writer.WriteEncodedValue(authority.Issuer);
            using (writer.PushSequence())
            {
                WriteTime(writer, window.NotBefore);
                WriteTime(writer, window.NotAfter);
            }
            writer.WriteEncodedValue(subject.RawData);
            writer.WriteEncodedValue(request.PublicKey.ExportSubjectPublicKeyInfo());
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
            using (writer.PushSequence())
            {
                foreach (var extension in UsageExtensionsFor(usages))
                {
                    writer.WriteEncodedValue(extension);
                }
                if (authority.AuthorityKeyId is { } aki)
                {
                    writer.WriteEncodedValue(aki);
                }
                if (
                    request.DnsNames.Count
                        + request.IpAddresses.Count
                        + request.EmailAddresses.Count
                        + request.Uris.Count
                    > 0
                )
                {
                    WriteSubjectAltNames(writer, request, subject);
                }
            }
        }
        var tbs = writer.Encode();
        var signature = authority.Sign(tbs);
        writer.Reset();
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            writer.WriteEncodedValue(authority.SignatureAlgorithm);
            writer.WriteBitString(signature);
        }
        return writer.Encode();
    }

    /// <summary>The PEM text for status.certificate (as <see cref="PemCodec.EncodeCertificate"/> writes it).</summary>
    public static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    /// <summary>The CA's NotAfter, read once per CA.</summary>
    public static DateTimeOffset NotAfterOf(CertificateAuthority ca) => AuthorityOf(ca).NotAfter;

    private static Authority AuthorityOf(CertificateAuthority ca) =>
        Authorities.GetValue(ca, static ca => new Authority(ca));

    // RFC 5280 4.1.2.5 (and .NET's CertificateRequest): UTCTime through 2049, GeneralizedTime from 2050, whole seconds.
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        if (utc.Year is >= 1950 and < 2050)
        {
            writer.WriteUtcTime(utc);
        }
        else
        {
            writer.WriteGeneralizedTime(utc, omitFractionalSeconds: true);
        }
    }

    // KU, EKU and BC as complete Extension encodings, per distinct usages list.
    private static byte[][] UsageExtensionsFor(IReadOnlyList<string> usages)
    {
        var key = string.Join('\n', usages);
        if (UsageExtensions.TryGetValue(key, out var cached))
        {
            return cached;
        }
        var (keyUsage, extendedKeyUsages) = KeyUsages.Map(usages);
        var extensions = new List<byte[]>();
        if (keyUsage != X509KeyUsageFlags.None)
        {
            extensions.Add(Encode(new X509KeyUsageExtension(keyUsage, critical: true)));
        }
        if (extendedKeyUsages.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in extendedKeyUsages)
            {
                oids.Add(new Oid(oid));
            }
            extensions.Add(Encode(new X509EnhancedKeyUsageExtension(oids, critical: false)));
        }
        extensions.Add(Encode(new X509BasicConstraintsExtension(false, false, 0, critical: true)));
        var encoded = extensions.ToArray();
        if (UsageExtensions.Count < MaxCachedUsageSets)
        {
            UsageExtensions.TryAdd(key, encoded);
        }
        return encoded;
    }

    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    private static byte[] Encode(X509Extension extension)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(extension.Oid!.Value!);
            if (extension.Critical)
            {
                writer.WriteBoolean(true);
            }
            writer.WriteOctetString(extension.RawData);
        }
        return writer.Encode();
    }

    // Written by hand: SubjectAlternativeNameBuilder would reject some names Go copies verbatim (and order differs).
    // Go's order is DNS, email, IP, URI.
    private static void WriteSubjectAltNames(AsnWriter writer, CsrRequest request, X500DistinguishedName subject)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(SubjectAltNameOid);
            // RFC 5280: with an empty subject the SAN extension must be critical (Go does the same).
            if (subject.RawData.Length <= 2)
            {
                writer.WriteBoolean(true);
            }
            using (writer.PushOctetString())
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
                Span<byte> address = stackalloc byte[16];
                foreach (var ip in request.IpAddresses)
                {
                    ip.TryWriteBytes(address, out var length);
                    writer.WriteOctetString(address[..length], new Asn1Tag(TagClass.ContextSpecific, 7));
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
        }
    }

    /// <summary>What signing depends on from the CA, derived once per <see cref="CertificateAuthority"/>
    /// instance.</summary>
    private sealed class Authority
    {
        private readonly AsymmetricAlgorithm _key;
        private readonly HashAlgorithmName _hash;

        public Authority(CertificateAuthority ca)
        {
            var key = ca.Key ?? throw new InvalidOperationException("the signing CA has no private key");
            _key = key.Key;
            _hash = key.SignatureHash;
            Issuer = ca.Certificate.SubjectName.RawData;
            SignatureAlgorithm = key.CreateSignatureGenerator().GetSignatureAlgorithmIdentifier(_hash);
            NotAfter = new DateTimeOffset(ca.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (CertificateAuthority.SubjectKeyIdOf(ca.Certificate) is { Length: > 0 } keyId)
            {
                AuthorityKeyId = Encode(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyId));
            }
        }

        public byte[] Issuer { get; }

        public byte[] SignatureAlgorithm { get; }

        public byte[]? AuthorityKeyId { get; }

        public DateTimeOffset NotAfter { get; }

        public byte[] Sign(byte[] data) =>
            _key switch
            {
                RSA rsa => rsa.SignData(data, _hash, RSASignaturePadding.Pkcs1),
                ECDsa ec => ec.SignData(data, _hash, DSASignatureFormat.Rfc3279DerSequence),
                _ => throw new NotSupportedException("the signing CA's key is neither RSA nor ECDSA"),
            };
    }
}
