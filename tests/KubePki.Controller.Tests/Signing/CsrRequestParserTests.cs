using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Signing;

public class CsrRequestParserTests
{
    [Fact]
    public void Subject_sans_and_key_are_read()
    {
        var spec = CsrSpec.ForNode("node1", "10.0.0.1", "fd00::1") with
        {
            Emails = ["a@example.com"],
            Uris = [new Uri("spiffe://x/y")],
            Organizations = ["system:nodes", "extra"],
        };

        var request = CsrRequestParser.Parse(CsrFactory.Pem(spec));

        Assert.Equal("system:node:node1", request.CommonName);
        Assert.Equal(["system:nodes", "extra"], request.Organizations);
        Assert.Equal(["node1"], request.DnsNames);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")], request.IpAddresses);
        Assert.Equal(["a@example.com"], request.EmailAddresses);
        Assert.Equal(["spiffe://x/y"], request.Uris);
        Assert.Equal((CsrRequest.Ecdsa, 256), (request.KeyAlgorithm, request.KeySize));
        Assert.False(request.RequestsCa);
    }

    [Theory]
    [InlineData("garbage", "PEM block type must be CERTIFICATE REQUEST")]
    [InlineData(
        "-----BEGIN NEW CERTIFICATE REQUEST-----\nAAAA\n-----END NEW CERTIFICATE REQUEST-----\n",
        "PEM block type must be CERTIFICATE REQUEST"
    )]
    [InlineData(
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        "invalid certificate request"
    )]
    public void Bad_pem_is_rejected(string pem, string message)
    {
        var error = Assert.Throws<InvalidCsrException>(() =>
            CsrRequestParser.Parse(System.Text.Encoding.ASCII.GetBytes(pem))
        );
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void A_bad_signature_is_rejected()
    {
        Assert.Throws<InvalidCsrException>(() =>
            CsrRequestParser.Parse(CsrFactory.BadSignature(CsrSpec.ForNode("node1", "10.0.0.1")))
        );
    }

    [Fact]
    public void A_malformed_basic_constraints_extension_is_an_invalid_request()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=system:node:node1", key, HashAlgorithmName.SHA256);
        // basicConstraints must be a SEQUENCE; an ASN.1 NULL makes the platform decoder throw.
        request.CertificateExtensions.Add(new X509Extension("2.5.29.19", [0x05, 0x00], false));
        var pem = System.Text.Encoding.ASCII.GetBytes(request.CreateSigningRequestPem());

        var error = Assert.Throws<InvalidCsrException>(() => CsrRequestParser.Parse(pem));

        Assert.Equal("invalid certificate request: malformed basicConstraints extension", error.Message);
    }
}
