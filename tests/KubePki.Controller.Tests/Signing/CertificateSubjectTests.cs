using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using KubePki.Crypto;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Controller.Tests.Signing;

/// <summary>Issue 8.20: the issued subject is the request's subject as Go's pkix.Name re-encodes it, not its raw
/// bytes.</summary>
public class CertificateSubjectTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Name(Action<AsnWriter> rdns)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            rdns(writer);
        }
        return writer.Encode();
    }

    private static void Rdn(AsnWriter writer, params (string Oid, UniversalTagNumber Type, string Value)[] values)
    {
        using (writer.PushSetOf())
        {
            foreach (var (oid, type, value) in values)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(type, value);
                }
            }
        }
    }

    [Fact]
    public void Unknown_attributes_go_strings_are_re_typed_and_attributes_come_in_go_order()
    {
        const UniversalTagNumber utf8 = UniversalTagNumber.UTF8String;
        const UniversalTagNumber printable = UniversalTagNumber.PrintableString;
        var requested = new X500DistinguishedName(
            Name(w =>
            {
                Rdn(w, ("2.5.4.3", utf8, "system:node:first"));
                Rdn(w, ("0.9.2342.19200300.100.1.25", UniversalTagNumber.IA5String, "example")); // DC: dropped
                Rdn(
                    w,
                    ("2.5.4.10", utf8, "system:nodes"),
                    ("1.2.840.113549.1.9.1", UniversalTagNumber.IA5String, "root@x")
                ); // email: dropped
                Rdn(w, ("2.5.4.3", utf8, "system:node:node1")); // the last CN wins
                Rdn(w, ("2.5.4.11", utf8, "b*"));
                Rdn(w, ("2.5.4.10", printable, "extra"));
            })
        );
        var expected = Name(w =>
        {
            Rdn(w, ("2.5.4.10", printable, "system:nodes"), ("2.5.4.10", printable, "extra"));
            Rdn(w, ("2.5.4.11", utf8, "b*"));
            Rdn(w, ("2.5.4.3", printable, "system:node:node1"));
        });
        var ca = TestCa.Create(Now);
        var signer = new CsrSigner(
            new Dictionary<string, ISigningAuthoritySource>
            {
                [SignerNames.LegacyUnknown] = new FixedAuthoritySource(ca),
            },
            SigningWindow.DefaultClusterSigningDuration,
            new FakeTimeProvider(Now)
        );
        var csr = Csrs.Serving(new CsrSpec { Subject = requested }, signer: SignerNames.LegacyUnknown).Approved();

        var decision = signer.Decide(csr);

        Assert.Equal(SignOutcome.Issue, decision.Outcome);
        using var certificate = PemCodec.DecodeCertificate(decision.CertificatePem!, "status.certificate");
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(certificate.SubjectName.RawData));
    }
}
