using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Model;

namespace KubePki.Crypto;

/// <summary>A CA certificate with its key (or without it, in external CA mode), and the one place that turns templates
/// into signed certificates with kubeadm's extensions, in Go's order.</summary>
/// <param name="certificate">The CA certificate.</param>
/// <param name="key">Its private key; null in external CA mode.</param>
public sealed class CertificateAuthority(X509Certificate2 certificate, PrivateKey? key)
{
    /// <summary>The CA certificate (the first of its file).</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>The CA's key; null in external CA mode.</summary>
    public PrivateKey? Key { get; } = key;

    /// <summary>Whether this CA can sign (kubeadm's external CA mode is a CA certificate without its key).</summary>
    public bool HasKey => Key is not null;

    /// <summary>A new self-signed CA certificate for <paramref name="key"/>.</summary>
    internal static X509Certificate2 SelfSign(CertificateTemplate template, PrivateKey key)
    {
        var subject = SubjectName.Create(template.CommonName, template.Organizations);
        var request = CreateRequest(template, subject, key.PublicKey, key.SignatureHash, issuerSubjectKeyId: null);
        return request.Create(
            subject,
            key.CreateSignatureGenerator(),
            template.NotBefore,
            template.NotAfter,
            SerialNumber.NewRandom()
        );
    }

    /// <summary>Signs <paramref name="template"/> for <paramref name="subjectKey"/>. NotAfter never passes the CA's own
    /// NotAfter (beyond kubeadm, which lets a leaf outlive its CA); <paramref name="clamped"/> says when that
    /// happened.</summary>
    internal X509Certificate2 Issue(CertificateTemplate template, PublicKey subjectKey, out bool clamped)
    {
        if (Key is null)
        {
            throw new KubePkiException(
                $"the CA \"{SubjectName.Read(Certificate.SubjectName).CommonName}\" has no private key (external CA "
                    + $"mode): it cannot sign",
                KubePkiErrorKind.Conflict
            );
        }
        var caNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        clamped = template.NotAfter > caNotAfter;
        if (clamped)
        {
            template = template with { NotAfter = caNotAfter };
        }
        var subject = SubjectName.Create(template.CommonName, template.Organizations);
        var request = CreateRequest(template, subject, subjectKey, Key.SignatureHash, SubjectKeyIdOf(Certificate));
        return request.Create(
            Certificate.SubjectName,
            Key.CreateSignatureGenerator(),
            template.NotBefore,
            template.NotAfter,
            SerialNumber.NewRandom()
        );
    }

    internal static byte[]? SubjectKeyIdOf(X509Certificate2 certificate) =>
        certificate
            .Extensions.OfType<X509SubjectKeyIdentifierExtension>()
            .FirstOrDefault()
            ?.SubjectKeyIdentifierBytes.ToArray();

    // Extension order as Go's x509.CreateCertificate writes them: KU, EKU, BC, SKI (CAs), AKI (leaves), SAN.
    private static CertificateRequest CreateRequest(
        CertificateTemplate template,
        X500DistinguishedName subject,
        PublicKey publicKey,
        HashAlgorithmName hash,
        byte[]? issuerSubjectKeyId
    )
    {
        var request = new CertificateRequest(subject, publicKey, hash);
        var usages = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
        if (template.IsCa)
        {
            usages |= X509KeyUsageFlags.KeyCertSign;
        }
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usages, critical: true));
        if (template.ExtendedKeyUsages.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in template.ExtendedKeyUsages)
            {
                oids.Add(new Oid(oid));
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(template.IsCa, false, 0, critical: true));
        if (template.IsCa)
        {
            request.CertificateExtensions.Add(
                new X509SubjectKeyIdentifierExtension(publicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, false)
            );
        }
        else if (issuerSubjectKeyId is { Length: > 0 })
        {
            request.CertificateExtensions.Add(
                X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSubjectKeyId)
            );
        }
        if (SanExtension.Build(template.DnsNames, template.IpAddresses) is { } san)
        {
            request.CertificateExtensions.Add(san);
        }
        return request;
    }
}
