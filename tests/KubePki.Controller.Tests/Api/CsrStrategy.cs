using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>kube-apiserver's registry strategies and validation for CertificateSigningRequests, written from the
/// rules (spec immutable, requester info from authentication, Approved/Denied exclusive and unremovable, certificate
/// set once and only via /status) rather than from the product code it judges.</summary>
public static class CsrStrategy
{
    private const string Kind = "CertificateSigningRequest.certificates.k8s.io";

    private static readonly HashSet<string> KnownUsages =
    [
        "signing",
        "digital signature",
        "content commitment",
        "key encipherment",
        "key agreement",
        "data encipherment",
        "cert sign",
        "crl sign",
        "encipher only",
        "decipher only",
        "any",
        "server auth",
        "client auth",
        "code signing",
        "email protection",
        "s/mime",
        "ipsec end system",
        "ipsec tunnel",
        "ipsec user",
        "timestamping",
        "ocsp signing",
        "microsoft sgc",
        "netscape sgc",
    ];

    public static void PrepareForCreate(V1CertificateSigningRequest csr, ApiUser user)
    {
        csr.ApiVersion = "certificates.k8s.io/v1";
        csr.Kind = "CertificateSigningRequest";
        csr.Spec ??= new V1CertificateSigningRequestSpec();
        csr.Spec.Username = user.Name;
        csr.Spec.Groups = user.Groups.ToList();
        csr.Spec.Uid = null;
        csr.Spec.Extra = null;
        csr.Status = new V1CertificateSigningRequestStatus();
        if (string.IsNullOrEmpty(csr.Metadata.Name) && !string.IsNullOrEmpty(csr.Metadata.GenerateName))
        {
            csr.Metadata.Name =
                csr.Metadata.GenerateName
                + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
        }
    }

    public static void ValidateCreate(V1CertificateSigningRequest csr)
    {
        var name = csr.Metadata.Name ?? "";
        var causes = new List<string>();
        if (name.Length == 0)
        {
            causes.Add("metadata.name: Required value: name or generateName is required");
        }
        causes.AddRange(ValidateRequest(csr.Spec.Request));
        causes.AddRange(ValidateUsages(csr.Spec.Usages));
        causes.AddRange(ValidateSignerName(csr.Spec.SignerName));
        if (csr.Spec.ExpirationSeconds is < 600)
        {
            causes.Add(
                $"spec.expirationSeconds: Invalid value: {csr.Spec.ExpirationSeconds}: may not specify a duration "
                    + $"less than 600 seconds (10 minutes)"
            );
        }
        if (causes.Count > 0)
        {
            throw ApiError.Invalid(Kind, name, causes);
        }
    }

    /// <summary>PUT on the main resource: only metadata can change.</summary>
    public static V1CertificateSigningRequest Update(V1CertificateSigningRequest old, V1CertificateSigningRequest sent)
    {
        old.Metadata.Labels = sent.Metadata.Labels;
        old.Metadata.Annotations = sent.Metadata.Annotations;
        old.Metadata.Finalizers = sent.Metadata.Finalizers;
        return old;
    }

    /// <summary>PUT /approval: the sent conditions replace the old ones; spec and certificate stay.</summary>
    public static V1CertificateSigningRequest Approval(
        V1CertificateSigningRequest old,
        V1CertificateSigningRequest sent,
        DateTime now
    )
    {
        var conditions = Populate(sent.Status?.Conditions, old.Status?.Conditions, now);
        Validate(old, conditions, old.Status?.Certificate, allowApproval: true);
        old.Status ??= new V1CertificateSigningRequestStatus();
        old.Status.Conditions = conditions;
        return old;
    }

    /// <summary>PUT /status: certificate and non-approval conditions; old Approved/Denied entries are put back as they
    /// were.</summary>
    public static V1CertificateSigningRequest Status(
        V1CertificateSigningRequest old,
        V1CertificateSigningRequest sent,
        DateTime now
    )
    {
        var oldConditions = old.Status?.Conditions ?? [];
        var conditions = (sent.Status?.Conditions ?? []).Where(c => c.Type is not ("Approved" or "Denied")).ToList();
        conditions.InsertRange(0, oldConditions.Where(c => c.Type is "Approved" or "Denied"));
        conditions = Populate(conditions, oldConditions, now);
        var certificate = sent.Status?.Certificate is { Length: > 0 } c ? c : null;
        Validate(old, conditions, certificate, allowApproval: false);
        ValidateCertificate(old, certificate);
        old.Status ??= new V1CertificateSigningRequestStatus();
        old.Status.Conditions = conditions;
        old.Status.Certificate = certificate;
        return old;
    }

    private static List<V1CertificateSigningRequestCondition> Populate(
        IList<V1CertificateSigningRequestCondition>? conditions,
        IList<V1CertificateSigningRequestCondition>? old,
        DateTime now
    )
    {
        var result = new List<V1CertificateSigningRequestCondition>();
        foreach (var condition in conditions ?? [])
        {
            condition.LastUpdateTime ??= now;
            condition.LastTransitionTime ??=
                old?.FirstOrDefault(o => o.Type == condition.Type && o.Status == condition.Status)?.LastTransitionTime
                ?? now;
            result.Add(condition);
        }
        return result;
    }

    private static void Validate(
        V1CertificateSigningRequest old,
        List<V1CertificateSigningRequestCondition> conditions,
        byte[]? certificate,
        bool allowApproval
    )
    {
        var causes = new List<string>();
        var seen = new HashSet<string>();
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            if (string.IsNullOrEmpty(c.Type))
            {
                causes.Add($"status.conditions[{i}].type: Required value");
            }
            if (string.IsNullOrEmpty(c.Status))
            {
                causes.Add($"status.conditions[{i}].status: Required value");
            }
            else if (c.Type is "Approved" or "Denied" or "Failed" && c.Status != "True")
            {
                causes.Add(
                    $"status.conditions[{i}].status: Unsupported value: \"{c.Status}\": supported values: \"True\""
                );
            }
            if (!string.IsNullOrEmpty(c.Type) && !seen.Add(c.Type))
            {
                causes.Add($"status.conditions[{i}].type: Duplicate value: \"{c.Type}\"");
            }
        }
        if (seen.Contains("Approved") && seen.Contains("Denied"))
        {
            causes.Add(
                "status.conditions: Invalid value: \"Approved\": Approved and Denied conditions are mutually exclusive"
            );
        }
        var oldConditions = old.Status?.Conditions ?? [];
        foreach (var type in new[] { "Approved", "Denied", "Failed" })
        {
            if (oldConditions.Any(c => c.Type == type) && !seen.Contains(type))
            {
                causes.Add($"status.conditions: Forbidden: updates may not remove a condition of type \"{type}\"");
            }
        }
        if (!allowApproval)
        {
            foreach (var type in new[] { "Approved", "Denied" })
            {
                if (!oldConditions.Any(c => c.Type == type) && seen.Contains(type))
                {
                    causes.Add($"status.conditions: Forbidden: updates may not add a condition of type \"{type}\"");
                }
            }
        }
        var oldCertificate = old.Status?.Certificate;
        if (allowApproval && certificate is { Length: > 0 } && oldCertificate is not { Length: > 0 })
        {
            causes.Add("status.certificate: Forbidden: updates may not set certificate content");
        }
        if (causes.Count > 0)
        {
            throw ApiError.Invalid(Kind, old.Metadata.Name, causes);
        }
    }

    private static void ValidateCertificate(V1CertificateSigningRequest old, byte[]? certificate)
    {
        var oldCertificate = old.Status?.Certificate;
        if (
            oldCertificate is { Length: > 0 }
            && (certificate is null || !certificate.AsSpan().SequenceEqual(oldCertificate))
        )
        {
            throw ApiError.Invalid(
                Kind,
                old.Metadata.Name,
                ["status.certificate: Forbidden: updates may not modify existing certificate content"]
            );
        }
        if (certificate is null)
        {
            return;
        }
        var text = System.Text.Encoding.ASCII.GetString(certificate);
        var blocks = 0;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label != "CERTIFICATE")
            {
                throw ApiError.Invalid(
                    Kind,
                    old.Metadata.Name,
                    [
                        $"status.certificate: Invalid value: \"<certificate data>\": only CERTIFICATE PEM blocks "
                            + $"are allowed, found \"{label}\"",
                    ]
                );
            }
            if (CertificateDer.Problem(Convert.FromBase64String(rest[fields.Base64Data].ToString())) is { } problem)
            {
                throw ApiError.Invalid(
                    Kind,
                    old.Metadata.Name,
                    [$"status.certificate: Invalid value: \"<certificate data>\": {problem}"]
                );
            }
            blocks++;
            rest = rest[fields.Location.End..];
        }
        if (blocks == 0)
        {
            throw ApiError.Invalid(
                Kind,
                old.Metadata.Name,
                [
                    "status.certificate: Invalid value: \"<certificate data>\": must contain at least one "
                        + "CERTIFICATE PEM block",
                ]
            );
        }
    }

    private static IEnumerable<string> ValidateRequest(byte[]? request)
    {
        var text = System.Text.Encoding.ASCII.GetString(request ?? []);
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] != "CERTIFICATE REQUEST")
        {
            yield return "spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST";
            yield break;
        }
        string? problem = null;
        try
        {
            var der = Convert.FromBase64String(text[fields.Base64Data]);
            var parsed = CertificateRequest.LoadSigningRequest(
                der,
                HashAlgorithmName.SHA256,
                out _,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions
                    | CertificateRequestLoadOptions.SkipSignatureValidation
            );
            if (!EcdsaSelfSignatureHolds(der, parsed.PublicKey))
            {
                // Go's CheckSignature, as .NET does it (the error text of a bad signature comes from here).
                CertificateRequest.LoadSigningRequest(
                    der,
                    HashAlgorithmName.SHA256,
                    out _,
                    CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions
                );
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            problem = e.Message;
        }
        catch (NotSupportedException)
        {
            // Go's parser (kube-apiserver) reads Ed25519 and other keys .NET cannot; their requests are accepted there.
        }
        if (problem is not null)
        {
            yield return $"spec.request: Invalid value: []byte{{...}}: {problem}";
        }
    }

    // An ECDSA request's self-signature (what kubelets send) checked through OpenSSL's EC_KEY functions: .NET's own
    // check costs three times as much, most of it importing the key. Only "valid" is decided here.
    private static bool EcdsaSelfSignatureHolds(byte[] der, PublicKey key)
    {
        if (key.Oid.Value != "1.2.840.10045.2.1" || key.EncodedParameters?.RawData is not { Length: > 2 } parameters)
        {
            return false;
        }
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var info = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            var signature = outer.ReadBitString(out var unused);
            var curve = new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier();
            var point = key.EncodedKeyValue.RawData;
            return oid == "1.2.840.10045.4.3.2"
                && !algorithm.HasData
                && unused == 0
                && curve == "1.2.840.10045.3.1.7"
                && point is [4, ..]
                && point.Length == 65
                && KubePki.Crypto.OpenSslEcdsa.Verify(curve, point, SHA256.HashData(info.Span), signature);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static IEnumerable<string> ValidateUsages(IList<string>? usages)
    {
        if (usages is null || usages.Count == 0)
        {
            yield return "spec.usages: Required value";
            yield break;
        }
        var seen = new HashSet<string>();
        for (var i = 0; i < usages.Count; i++)
        {
            if (!KnownUsages.Contains(usages[i]))
            {
                yield return $"spec.usages[{i}]: Unsupported value: \"{usages[i]}\"";
            }
            else if (!seen.Add(usages[i]))
            {
                yield return $"spec.usages[{i}]: Duplicate value: \"{usages[i]}\"";
            }
        }
    }

    private static IEnumerable<string> ValidateSignerName(string? signer)
    {
        if (string.IsNullOrEmpty(signer))
        {
            yield return "spec.signerName: Required value";
            yield break;
        }
        if (signer == "kubernetes.io/legacy-unknown")
        {
            yield return "spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName "
                + "is not allowed via this API version";
            yield break;
        }
        var parts = signer.Split('/');
        if (parts.Length != 2 || !parts[0].Contains('.') || parts[1].Length == 0)
        {
            yield return $"spec.signerName: Invalid value: \"{signer}\": must be a fully qualified domain and path "
                + $"of the form 'example.com/signer-name'";
        }
    }
}
