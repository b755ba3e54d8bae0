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
        var request = new CertificateRequest(SubjectName.Create(spec.CommonName, spec.Organizations), key.PublicKey, HashAlgorithmName.SHA256);
        if (spec.DnsNames.Count + spec.IpAddresses.Count + spec.Emails.Count + spec.Uris.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in spec.DnsNames)
            {
                san.AddDnsName(dns);
            }
            foreach (var ip in spec.IpAddresses)
            {
                san.AddIpAddress(ip);
            }
            foreach (var email in spec.Emails)
            {
                san.AddEmailAddress(email);
            }
            foreach (var uri in spec.Uris)
            {
                san.AddUri(uri);
            }
            request.CertificateExtensions.Add(san.Build());
        }
        foreach (var extension in spec.ExtraExtensions)
        {
            request.CertificateExtensions.Add(extension);
        }
        return request.CreateSigningRequestPem(key.CreateSignatureGenerator()) + "\n";
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

    private static PrivateKey NewKey(string kind) => kind switch
    {
        "ecdsa" => PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        "rsa" => FixtureKeys.Shared.Generate(KeyAlgorithm.Rsa2048),
        "rsa1024" => PrivateKey.From(RSA.Create(1024)),
        _ => throw new ArgumentException(kind),
    };
}
