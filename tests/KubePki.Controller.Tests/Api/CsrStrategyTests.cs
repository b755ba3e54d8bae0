using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Api;

/// <summary>The test API server's own checks that run for every CSR: the request's self-signature at create and the
/// certificate's DER at /status, as kube-apiserver's validation does them.</summary>
public class CsrStrategyTests
{
    private static V1CertificateSigningRequest Csr(byte[] request) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = "csr-1" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = request,
                SignerName = "kubernetes.io/kubelet-serving",
                Usages = ["digital signature", "server auth"],
            },
        };

    private static byte[] Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=system:node:node1", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        return certificate.RawData;
    }

    [Fact]
    public void A_well_signed_request_is_valid_and_a_bad_signature_is_not()
    {
        CsrStrategy.ValidateCreate(Csr(CsrFactory.Pem(CsrSpec.ForNode("node1", "10.0.0.1"))));

        var error = Assert.Throws<ApiError>(() =>
            CsrStrategy.ValidateCreate(Csr(CsrFactory.BadSignature(CsrSpec.ForNode("node1", "10.0.0.1"))))
        );

        Assert.Equal(422, error.Code);
        Assert.Contains("spec.request: Invalid value", error.ToStatusJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_is_well_formed_der()
    {
        Assert.Null(CertificateDer.Problem(Certificate()));
    }

    [Fact]
    public void Truncated_trailing_or_other_der_is_not_a_certificate()
    {
        var der = Certificate();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        Assert.NotNull(CertificateDer.Problem(der[..^1]));
        Assert.NotNull(CertificateDer.Problem([.. der, 0]));
        Assert.NotNull(CertificateDer.Problem(csr));
        Assert.NotNull(CertificateDer.Problem([0x30, 0x00]));
    }
}
