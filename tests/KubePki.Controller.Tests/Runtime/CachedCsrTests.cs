using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using KubePki.Controller.Runtime;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>The informer's compact copy of a pending CSR: the snapshot the approver and signers judge and the PUT body
/// rebuilt from it must carry what the API object carried.</summary>
public class CachedCsrTests
{
    private static V1CertificateSigningRequest Sample(IList<string> groups) =>
        new()
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta
            {
                Name = "csr-a",
                Uid = "0d6c1a52-0000-4000-8000-000000000001",
                ResourceVersion = "42",
                CreationTimestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
                Labels = new Dictionary<string, string> { ["team"] = "x" },
                Annotations = new Dictionary<string, string> { ["note"] = "y" },
                Finalizers = ["example.com/keep"],
                ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl" }],
            },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = [1, 2, 3],
                SignerName = "kubernetes.io/kubelet-serving",
                Usages = ["digital signature", "server auth"],
                ExpirationSeconds = 3600,
                Username = "system:node:a",
                Uid = "user-uid",
                Groups = groups,
                Extra = new Dictionary<string, IList<string>> { ["k"] = ["v"] },
            },
            Status = new V1CertificateSigningRequestStatus
            {
                Conditions =
                [
                    new V1CertificateSigningRequestCondition
                    {
                        Type = "Approved",
                        Status = "True",
                        Reason = "R",
                        Message = "M",
                        LastUpdateTime = new DateTime(2026, 1, 2, 3, 4, 6, DateTimeKind.Utc),
                    },
                ],
            },
        };

    [Theory]
    [InlineData("0d6c1a52-0000-4000-8000-000000000001", "42")]
    [InlineData("0D6C1A52-0000-4000-8000-000000000001", "042")]
    [InlineData("00000000-0000-0000-0000-000000000000", "0")]
    [InlineData("{0d6c1a52-0000-4000-8000-000000000001}", "99999999999999999999")]
    [InlineData("not-a-guid", "v7")]
    [InlineData(null, null)]
    [InlineData("", "")]
    public void Uid_and_resource_version_come_back_as_the_same_text(string? uid, string? version)
    {
        var csr = new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta
            {
                Name = "csr-a",
                Uid = uid,
                ResourceVersion = version,
            },
            Spec = new V1CertificateSigningRequestSpec { Request = [1] },
        };

        var cached = CachedCsr.Of(csr);
        var body = cached.ToObject(new V1CertificateSigningRequestStatus());

        Assert.Equal((uid, version), (cached.Uid, cached.ResourceVersion));
        Assert.Equal((uid, version), (body.Metadata.Uid, body.Metadata.ResourceVersion));
    }

    [Fact]
    public void A_pending_kubelet_csr_has_no_optional_metadata_status_or_extra()
    {
        var cached = CachedCsr.Of(
            new V1CertificateSigningRequest
            {
                Metadata = new V1ObjectMeta { Name = "csr-a", Uid = "0d6c1a52-0000-4000-8000-000000000001" },
                Spec = new V1CertificateSigningRequestSpec { Request = [1], Username = "system:node:a" },
                Status = new V1CertificateSigningRequestStatus(),
            }
        );

        Assert.Null(cached.Labels);
        Assert.Null(cached.Annotations);
        Assert.Null(cached.Finalizers);
        Assert.Null(cached.OwnerReferences);
        Assert.Null(cached.UserUid);
        Assert.Null(cached.Extra);
        Assert.Null(cached.Conditions);
        Assert.Null(cached.Certificate);
        Assert.Equal("system:node:a", cached.Username);
    }

    [Fact]
    public void The_put_body_keeps_identity_version_metadata_and_spec()
    {
        var csr = Sample(["system:nodes", "system:authenticated"]);
        var status = new V1CertificateSigningRequestStatus { Certificate = [9] };

        var body = CachedCsr.Of(csr).ToObject(status);

        Assert.Equal("certificates.k8s.io/v1", body.ApiVersion);
        Assert.Equal("CertificateSigningRequest", body.Kind);
        Assert.Equal("csr-a", body.Metadata.Name);
        Assert.Equal(csr.Metadata.Uid, body.Metadata.Uid);
        Assert.Equal("42", body.Metadata.ResourceVersion);
        Assert.Equal(csr.Metadata.CreationTimestamp, body.Metadata.CreationTimestamp);
        Assert.Equal("x", body.Metadata.Labels["team"]);
        Assert.Equal("y", body.Metadata.Annotations["note"]);
        Assert.Equal(["example.com/keep"], body.Metadata.Finalizers);
        Assert.Null(body.Metadata.ManagedFields);
        Assert.Equal([1, 2, 3], body.Spec.Request);
        Assert.Equal("kubernetes.io/kubelet-serving", body.Spec.SignerName);
        Assert.Equal(["digital signature", "server auth"], body.Spec.Usages);
        Assert.Equal(3600, body.Spec.ExpirationSeconds);
        Assert.Equal("system:node:a", body.Spec.Username);
        Assert.Equal("user-uid", body.Spec.Uid);
        Assert.Equal(["system:nodes", "system:authenticated"], body.Spec.Groups);
        Assert.Equal(["v"], body.Spec.Extra["k"]);
        Assert.Same(status, body.Status);
    }

    [Fact]
    public void The_snapshot_has_what_the_approver_and_signers_read()
    {
        var snapshot = CachedCsr.Of(Sample(["system:nodes"])).ToSnapshot();

        Assert.Equal("csr-a", snapshot.Name);
        Assert.Equal("kubernetes.io/kubelet-serving", snapshot.SignerName);
        Assert.Equal([1, 2, 3], snapshot.Request);
        Assert.Equal(["digital signature", "server auth"], snapshot.Usages);
        Assert.Equal(3600, snapshot.ExpirationSeconds);
        Assert.Equal("system:node:a", snapshot.Username);
        Assert.Equal(["system:nodes"], snapshot.Groups);
        Assert.True(snapshot.IsApproved);
        var condition = Assert.Single(snapshot.Conditions);
        Assert.Equal(
            ("Approved", "True", "R", "M"),
            (condition.Type, condition.Status, condition.Reason, condition.Message)
        );
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero), condition.LastUpdateTime);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), snapshot.CreationTimestamp);
        Assert.False(snapshot.IsIssued);
    }

    [Fact]
    public void Equal_group_lists_share_one_array_and_lists_that_only_join_alike_do_not()
    {
        var first = CachedCsr.Of(Sample(["system:nodes", "system:authenticated"]));
        var second = CachedCsr.Of(Sample(["system:nodes", "system:authenticated"]));
        Assert.Same(first.Groups, second.Groups);

        // Joined with NUL, ["a\0b"] and ["a", "b"] give the same key: each must keep its own groups.
        var joined = CachedCsr.Of(Sample(["a\0b"]));
        var split = CachedCsr.Of(Sample(["a", "b"]));
        Assert.Equal(["a\0b"], joined.Groups!);
        Assert.Equal(["a", "b"], split.Groups!);
    }

    [Fact]
    public void A_later_change_to_the_client_object_does_not_reach_the_cached_conditions()
    {
        var csr = Sample(["system:nodes"]);
        var cached = CachedCsr.Of(csr);

        csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition { Type = "Denied", Status = "True" });

        Assert.Single(cached.Conditions!);
    }

    private static readonly byte[] RequestDer = MakeRequestDer();

    private static byte[] MakeRequestDer()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest(
            "CN=system:node:a, O=system:nodes",
            key,
            HashAlgorithmName.SHA256
        ).CreateSigningRequest();
    }

    private static CachedCsr WithRequest(byte[] request) =>
        CachedCsr.Of(
            new V1CertificateSigningRequest
            {
                Metadata = new V1ObjectMeta { Name = "csr-a" },
                Spec = new V1CertificateSigningRequestSpec { Request = request },
            }
        );

    private static string Pem(string label, byte[] der) => new(PemEncoding.Write(label, der));

    [Theory]
    [InlineData("")] // as .NET writes it
    [InlineData("\n")] // as Go's pem.Encode (a kubelet) writes it
    public void A_canonical_pem_request_is_held_as_der_and_given_back_byte_for_byte(string end)
    {
        var sent = Encoding.ASCII.GetBytes(Pem("CERTIFICATE REQUEST", RequestDer) + end);

        var cached = WithRequest(sent);

        Assert.Equal(RequestDer.Length, cached.RequestBytesHeld);
        Assert.Equal(sent, cached.Request);
        Assert.Equal(sent, cached.ToSnapshot().Request);
        Assert.Equal(sent, cached.ToObject(new V1CertificateSigningRequestStatus()).Spec.Request);
    }

    public static TheoryData<string> RequestsKeptAsSent()
    {
        var pem = Pem("CERTIFICATE REQUEST", RequestDer);
        var base64 = Convert.ToBase64String(RequestDer);
        return new TheoryData<string>
        {
            pem.Replace("\n", "\r\n", StringComparison.Ordinal), // CRLF line ends
            pem + "\n\n", // more than one newline after it
            pem + " ", // anything else after it
            "# a comment\n" + pem, // text before it
            $"-----BEGIN CERTIFICATE REQUEST-----\n{base64}\n-----END CERTIFICATE REQUEST-----", // one long line
            Pem("NEW CERTIFICATE REQUEST", RequestDer), // another label
            Pem("CERTIFICATE REQUEST", []), // an empty block
            "not PEM at all",
            "",
        };
    }

    [Theory]
    [MemberData(nameof(RequestsKeptAsSent))]
    public void A_request_that_does_not_write_back_exactly_is_held_as_sent(string text)
    {
        var sent = Encoding.ASCII.GetBytes(text);

        var cached = WithRequest(sent);

        Assert.Equal(sent.Length, cached.RequestBytesHeld);
        Assert.Same(sent, cached.Request);
        Assert.Equal(sent, cached.ToObject(new V1CertificateSigningRequestStatus()).Spec.Request);
    }

    [Fact]
    public void A_missing_request_stays_missing()
    {
        var cached = WithRequest(null!);

        Assert.Null(cached.Request);
        Assert.Equal(0, cached.RequestBytesHeld);
    }
}
