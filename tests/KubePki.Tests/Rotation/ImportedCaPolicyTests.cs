using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary><c>ca rotate start --new-ca-cert/--new-ca-key</c> refuses, with one line naming the flag and file and
/// nothing changed, a CA the cluster could not use as kubeadm's: a weak key, no keyCertSign in its key usage,
/// nameConstraints, an extended key usage that excludes serverAuth or clientAuth, an unknown critical extension. A key
/// file readable by group or others is warned about.</summary>
public class ImportedCaPolicyTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    public static TheoryData<string, string> Refusals =>
        new()
        {
            { "rsa-1024", "--new-ca-key {key}: an RSA key of 1024 bits is weaker than the cluster's policy" },
            {
                "brainpool",
                "--new-ca-key {key}: an ECDSA key on curve brainpoolP256r1 is weaker than the cluster's policy"
            },
            { "no-keycertsign", "--new-ca-cert {cert}: the certificate's key usage lacks keyCertSign" },
            { "name-constraints", "--new-ca-cert {cert}: the certificate carries nameConstraints" },
            { "server-auth-only", "--new-ca-cert {cert}: the certificate's extended key usage excludes clientAuth" },
            { "client-auth-only", "--new-ca-cert {cert}: the certificate's extended key usage excludes serverAuth" },
            {
                "unknown-critical",
                "--new-ca-cert {cert}: the certificate has an unknown critical extension (1.3.6.1.4.1.99999.1)"
            },
        };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Start_refuses_an_imported_ca_the_cluster_could_not_use_and_changes_nothing(string kind, string expected)
    {
        using var dir = fixture.Copy();
        var (cert, key) = WriteCa(dir, kind);
        var before = TreeSnapshot.Of(dir.Path);

        var result = Rotate(dir, "start", "ca", "--new-ca-cert", cert, "--new-ca-key", key);

        CliAssert.OneLineError(result, expected.Replace("{cert}", cert).Replace("{key}", key));
        before.AssertSame(TreeSnapshot.Of(dir.Path));
    }

    [Fact]
    public void Start_accepts_a_fit_ca_and_warns_about_a_key_file_others_can_read()
    {
        using var dir = fixture.Copy();
        var (cert, key) = WriteCa(dir, "fit");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var result = RotateOk(dir, "start", "ca", "--new-ca-cert", cert, "--new-ca-key", key);

        Assert.Contains($"WARNING: --new-ca-key {key} is accessible by group or others (mode 0640)", result.Out);
        Assert.Equal(Cert(cert).RawData, Cert(dir.Combine("pki", "ca-rotation", "ca", "new-ca.crt")).RawData);
    }

    [Fact]
    public void A_key_file_only_its_owner_can_read_is_not_warned_about()
    {
        using var dir = fixture.Copy();
        var (cert, key) = WriteCa(dir, "fit");
        var result = RotateOk(dir, "start", "ca", "--new-ca-cert", cert, "--new-ca-key", key);
        Assert.DoesNotContain("is accessible by group or others", result.Out);
    }

    /// <summary>A self-signed CA named as kubeadm names it (with a SubjectKeyIdentifier), unfit in the way
    /// <paramref name="kind"/> says; key file 0600.</summary>
    private static (string Cert, string Key) WriteCa(TempDir dir, string kind)
    {
        AsymmetricAlgorithm key = kind switch
        {
            "rsa-1024" => RSA.Create(1024),
            "brainpool" => ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1),
            _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        };
        using var _ = key;
        var request = key is RSA rsa
            ? new CertificateRequest("CN=kubernetes", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=kubernetes", (ECDsa)key, HashAlgorithmName.SHA256);
        var extensions = request.CertificateExtensions;
        extensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        extensions.Add(
            new X509KeyUsageExtension(
                kind == "no-keycertsign"
                    ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
                    : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign,
                true
            )
        );
        extensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        switch (kind)
        {
            case "name-constraints":
                extensions.Add(new X509Extension("2.5.29.30", PermittedDnsName("cluster.local"), true));
                break;
            case "server-auth-only":
                extensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
                break;
            case "client-auth-only":
                extensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
                break;
            case "unknown-critical":
                extensions.Add(new X509Extension("1.3.6.1.4.1.99999.1", [0x05, 0x00], true));
                break;
        }
        using var ca = request.CreateSelfSigned(Later.GetUtcNow().AddMinutes(-5), Later.GetUtcNow().AddYears(10));
        var certPath = dir.Combine($"{kind}.crt");
        var keyPath = dir.Combine($"{kind}.key");
        File.WriteAllText(certPath, ca.ExportCertificatePem());
        File.WriteAllText(keyPath, "");
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    /// <summary>NameConstraints ::= SEQUENCE { permittedSubtrees [0] { GeneralSubtree { dNSName } } }.</summary>
    private static byte[] PermittedDnsName(string name)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(
                        UniversalTagNumber.IA5String,
                        name,
                        new Asn1Tag(TagClass.ContextSpecific, 2)
                    );
                }
            }
        }
        return writer.Encode();
    }
}
