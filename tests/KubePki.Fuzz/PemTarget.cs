using System.Net;
using System.Text;
using KubePki.Building;
using KubePki.Crypto;

namespace KubePki.Fuzz;

/// <summary>The PEM readers for certificates and private keys, and what the library then reads from a certificate
/// (subject, SANs, usages, CA flag, validity). Contract: a reader either returns or throws
/// <see cref="KubePkiException"/> naming the file; a certificate it returns can be read (each fact answers or throws
/// <see cref="KubePkiException"/>); what it returns encodes to PEM that reads back to the same certificate or key.
/// An input not starting with '-' is taken as DER and wrapped in a CERTIFICATE block and a PRIVATE KEY block, so the
/// fuzzer mutates ASN.1 rather than base64.</summary>
public static class PemTarget
{
    public const string Name = "pem";

    public static void Run(byte[] input)
    {
        if (input.Length > 0 && input[0] == (byte)'-')
        {
            var text = Encoding.UTF8.GetString(input);
            ReadCertificates(text);
            ReadKey(text);
        }
        else
        {
            var base64 = Convert.ToBase64String(input, Base64FormattingOptions.InsertLineBreaks);
            ReadCertificates($"-----BEGIN CERTIFICATE-----\n{base64}\n-----END CERTIFICATE-----\n");
            ReadKey($"-----BEGIN PRIVATE KEY-----\n{base64}\n-----END PRIVATE KEY-----\n");
        }
    }

    private static void ReadCertificates(string pem)
    {
        IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates;
        try
        {
            certificates = PemCodec.DecodeCertificates(pem, "ca.crt");
        }
        catch (KubePkiException e) when (e.Message.StartsWith("ca.crt", StringComparison.Ordinal))
        {
            return;
        }
        foreach (var certificate in certificates)
        {
            using (certificate)
            {
                ReadFacts(certificate);
                var again = PemCodec.DecodeCertificate(PemCodec.EncodeCertificate(certificate), "ca.crt");
                if (!again.RawData.AsSpan().SequenceEqual(certificate.RawData))
                {
                    throw new ContractViolation("an encoded certificate reads back differently");
                }
            }
        }
    }

    private static void ReadFacts(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        try
        {
            _ = CertificateFacts.IsCa(certificate);
            _ = CertificateFacts.CommonName(certificate);
            _ = CertificateFacts.Organizations(certificate);
            _ = CertificateFacts.DnsNames(certificate);
            _ = CertificateFacts.IpAddresses(certificate);
            _ = CertificateFacts.ExtendedKeyUsages(certificate);
            _ = CertificateFacts.PeriodProblem(certificate, DateTimeOffset.UnixEpoch);
            _ = CertificateFacts.Covers(certificate, "kubernetes.default.svc");
            _ = CertificateFacts.Covers(certificate, IPAddress.Loopback);
        }
        catch (KubePkiException)
        {
            // A certificate the readers cannot make sense of may be refused this way too.
        }
    }

    private static void ReadKey(string pem)
    {
        PrivateKey key;
        try
        {
            key = PemCodec.DecodePrivateKey(pem, "ca.key");
        }
        catch (KubePkiException e) when (e.Message.StartsWith("ca.key", StringComparison.Ordinal))
        {
            return;
        }
        using (key)
        {
            _ = key.Description;
            using var again = PemCodec.DecodePrivateKey(key.ToPem(), "ca.key");
            if (again.PublicKeyPem() != key.PublicKeyPem())
            {
                throw new ContractViolation("an encoded private key reads back as another key");
            }
        }
    }
}
