using System.Security.Cryptography;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Support;

/// <summary>Self-signed test CAs: ECDSA by default (cheap), RSA from a fixture key when openssl must see kubeadm's
/// shape.</summary>
public static class TestCa
{
    public static CertificateAuthority Create(
        DateTimeOffset now,
        TimeSpan? validity = null,
        bool rsa = false,
        string name = "kubernetes"
    )
    {
        var key = rsa
            ? FixtureKeys.Shared.Generate(KeyAlgorithm.Rsa2048)
            : PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var template = new CertificateTemplate(
            name,
            [],
            true,
            [name],
            [],
            [],
            now - TimeSpan.FromMinutes(5),
            now + (validity ?? TimeSpan.FromDays(3650))
        );
        return new CertificateAuthority(CertificateAuthority.SelfSign(template, key), key);
    }
}
