using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Building;

namespace KubePki.Crypto;

/// <summary>PKCS#10 requests as kubeadm makes them for an external CA: subject and SANs only, no usages (the CA adds
/// those).</summary>
internal static class CsrBuilder
{
    public static string CreatePem(
        string commonName,
        IReadOnlyList<string> organizations,
        IReadOnlyList<string> dnsNames,
        IReadOnlyList<IPAddress> ipAddresses,
        PrivateKey key
    )
    {
        var subject = SubjectName.Create(commonName, organizations);
        var request = key.Key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, key.SignatureHash, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, key.SignatureHash),
            _ => throw new NotSupportedException(),
        };
        if (SanExtension.Build(dnsNames, ipAddresses) is { } san)
        {
            request.CertificateExtensions.Add(san);
        }
        return request.CreateSigningRequestPem() + "\n";
    }
}
