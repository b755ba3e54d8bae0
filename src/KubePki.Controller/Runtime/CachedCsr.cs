using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using k8s.Models;
using KubePki.Controller.Model;

namespace KubePki.Controller.Runtime;

/// <summary>A CSR still to act on, as the informer keeps it: what the approver and the signers read (spec, conditions,
/// certificate, creation time) and what a write must carry back to the API server (name, uid, resourceVersion and the
/// metadata a PUT must not drop: labels, annotations, finalizers, owner references). One flat object instead of the
/// client model's tree of five, with the strings every CSR repeats (signer, usages, groups) shared. <see
/// cref="ToObject"/> rebuilds the API object for an approval or status PUT.</summary>
public sealed class CachedCsr
{
    public const string ApiVersion = "certificates.k8s.io/v1";
    public const string Kind = "CertificateSigningRequest";

    private CachedCsr(V1CertificateSigningRequest csr)
    {
        var metadata = csr.Metadata;
        var spec = csr.Spec;
        Name = metadata.Name;
        // A uid that is a GUID in its canonical text and a resourceVersion that is a number in its canonical text
        // are kept unboxed (16 and 8 bytes instead of ~96 and ~34 bytes of string), and written back as the same text.
        if (
            metadata.Uid is { } uid
            && Guid.TryParseExact(uid, "D", out var guid)
            && guid != Guid.Empty
            && Canonical(guid, uid)
        )
        {
            _uid = guid;
        }
        else
        {
            _uidText = metadata.Uid;
        }
        if (
            metadata.ResourceVersion is { Length: > 0 and <= 19 } version
            && (version[0] != '0' || version.Length == 1)
            && long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
        )
        {
            _version = number;
        }
        else
        {
            _version = -1;
            _versionText = metadata.ResourceVersion;
        }
        CreationTimestamp = metadata.CreationTimestamp;
        (_request, _requestForm) = CompactRequest(spec?.Request);
        SignerName = Shared(spec?.SignerName ?? "");
        Usages = SharedList(spec?.Usages);
        ExpirationSeconds = spec?.ExpirationSeconds;
        Username = spec?.Username;
        Groups = SharedList(spec?.Groups);
        var conditions = csr.Status?.Conditions is { Count: > 0 } all ? all.ToArray() : null;
        if (
            metadata.Labels is not null
            || metadata.Annotations is not null
            || metadata.Finalizers is not null
            || metadata.OwnerReferences is not null
            || spec?.Uid is not null
            || spec?.Extra is not null
            || conditions is not null
            || csr.Status?.Certificate is not null
        )
        {
            _rest = new Rest(
                metadata.Labels,
                metadata.Annotations,
                metadata.Finalizers,
                metadata.OwnerReferences,
                spec?.Uid,
                spec?.Extra,
                conditions,
                csr.Status?.Certificate
            );
        }
    }

    // What a kubelet's pending CSR does not have: one reference instead of eight when none is set.
    private sealed record Rest(
        IDictionary<string, string>? Labels,
        IDictionary<string, string>? Annotations,
        IList<string>? Finalizers,
        IList<V1OwnerReference>? OwnerReferences,
        string? UserUid,
        IDictionary<string, IList<string>>? Extra,
        V1CertificateSigningRequestCondition[]? Conditions,
        byte[]? Certificate
    );

    private readonly Guid _uid;
    private readonly string? _uidText;
    private readonly long _version;
    private readonly string? _versionText;
    private readonly Rest? _rest;
    private readonly byte[]? _request;
    private readonly RequestForm _requestForm;

    // How _request holds spec.request: as sent, or as the DER inside a PEM block that writing the DER back as PEM
    // reproduces byte for byte (a kubelet's request; ~40 % smaller, and pending CSRs are most of the cache).
    private enum RequestForm : byte
    {
        AsSent,
        CanonicalPem,
        CanonicalPemAndNewline,
    }

    private static ReadOnlySpan<byte> RequestLabel => "CERTIFICATE REQUEST"u8;

    private static (byte[]? Request, RequestForm Form) CompactRequest(byte[]? request)
    {
        if (request is null || !PemEncoding.TryFindUtf8(request, out var fields))
        {
            return (request, RequestForm.AsSent);
        }
        var label = request.AsSpan()[fields.Label];
        if (!label.SequenceEqual(RequestLabel) || fields.DecodedDataLength == 0)
        {
            return (request, RequestForm.AsSent);
        }
        var der = new byte[fields.DecodedDataLength];
        if (
            Base64.DecodeFromUtf8(request.AsSpan()[fields.Base64Data], der, out _, out var written)
                != OperationStatus.Done
            || written != der.Length
        )
        {
            return (request, RequestForm.AsSent);
        }
        var canonical = PemEncoding.WriteUtf8(RequestLabel, der);
        if (!request.AsSpan().StartsWith(canonical))
        {
            return (request, RequestForm.AsSent);
        }
        return request.AsSpan(canonical.Length) switch
        {
            [] => (der, RequestForm.CanonicalPem),
            [(byte)'\n'] => (der, RequestForm.CanonicalPemAndNewline),
            _ => (request, RequestForm.AsSent),
        };
    }

    private static byte[] ExpandRequest(byte[] der, RequestForm form)
    {
        var pemLength = PemEncoding.GetEncodedSize(RequestLabel.Length, der.Length);
        var pem = new byte[pemLength + (form == RequestForm.CanonicalPemAndNewline ? 1 : 0)];
        PemEncoding.TryWriteUtf8(RequestLabel, der, pem, out _);
        if (form == RequestForm.CanonicalPemAndNewline)
        {
            pem[^1] = (byte)'\n';
        }
        return pem;
    }

    private static bool Canonical(Guid guid, string text)
    {
        Span<char> canonical = stackalloc char[36];
        return guid.TryFormat(canonical, out var written, "D") && canonical[..written].SequenceEqual(text);
    }

    public string Name { get; }
    public string? Uid => _uidText ?? (_uid == Guid.Empty ? null : _uid.ToString("D"));
    public string? ResourceVersion => _version >= 0 ? _version.ToString(CultureInfo.InvariantCulture) : _versionText;
    public DateTime? CreationTimestamp { get; }
    public IDictionary<string, string>? Labels => _rest?.Labels;
    public IDictionary<string, string>? Annotations => _rest?.Annotations;
    public IList<string>? Finalizers => _rest?.Finalizers;
    public IList<V1OwnerReference>? OwnerReferences => _rest?.OwnerReferences;

    /// <summary>What the copy holds of spec.request: the DER alone for a kubelet's canonical PEM.</summary>
    internal int RequestBytesHeld => _request?.Length ?? 0;

    /// <summary>spec.request as the API server sent it (a copy rebuilt from its DER when it was kept
    /// compact).</summary>
    public byte[]? Request =>
        _requestForm == RequestForm.AsSent || _request is null ? _request : ExpandRequest(_request, _requestForm);

    public string SignerName { get; }
    public string[]? Usages { get; }
    public int? ExpirationSeconds { get; }
    public string? Username { get; }
    public string? UserUid => _rest?.UserUid;
    public string[]? Groups { get; }
    public IDictionary<string, IList<string>>? Extra => _rest?.Extra;
    public V1CertificateSigningRequestCondition[]? Conditions => _rest?.Conditions;
    public byte[]? Certificate => _rest?.Certificate;

    /// <summary>The compact copy; the client object's strings and byte arrays are reused, not copied.</summary>
    public static CachedCsr Of(V1CertificateSigningRequest csr) => new(csr);

    public CsrSnapshot ToSnapshot() =>
        new(
            Name,
            SignerName,
            Request ?? [],
            Usages ?? [],
            ExpirationSeconds,
            Username ?? "",
            Groups ?? [],
            (Conditions ?? [])
                .Select(c => new CsrCondition(
                    c.Type ?? "",
                    c.Status ?? "",
                    c.Reason,
                    c.Message,
                    c.LastUpdateTime is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null
                ))
                .ToList(),
            Certificate,
            CreationTimestamp is { } created
                ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))
                : null
        );

    /// <summary>The API object with this CSR's metadata and spec and <paramref name="status"/>: the body of an
    /// approval or status PUT (it carries the resourceVersion read, so a concurrent change makes it a 409).</summary>
    public V1CertificateSigningRequest ToObject(V1CertificateSigningRequestStatus status) =>
        new()
        {
            ApiVersion = ApiVersion,
            Kind = Kind,
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                Uid = Uid,
                ResourceVersion = ResourceVersion,
                CreationTimestamp = CreationTimestamp,
                Labels = Labels,
                Annotations = Annotations,
                Finalizers = Finalizers,
                OwnerReferences = OwnerReferences,
            },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Request,
                SignerName = SignerName,
                Usages = Usages,
                ExpirationSeconds = ExpirationSeconds,
                Username = Username,
                Uid = UserUid,
                Groups = Groups,
                Extra = Extra,
            },
            Status = status,
        };

    // One instance per distinct short value (signer names, usages, group names) and per distinct list of them,
    // bounded so hostile input cannot grow the tables without limit.
    private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string[]> Lists = new(StringComparer.Ordinal);

    public static string Shared(string value)
    {
        if (Strings.TryGetValue(value, out var shared))
        {
            return shared;
        }
        if (Strings.Count < 1024 && value.Length <= 128)
        {
            return Strings.GetOrAdd(value, value);
        }
        return value;
    }

    private static string[]? SharedList(IList<string>? values)
    {
        if (values is null)
        {
            return null;
        }
        var key = string.Join('\0', values);
        // A key is only a hint: names containing NUL could join to the same key, so the items themselves must match.
        if (Lists.TryGetValue(key, out var shared) && Same(shared, values))
        {
            return shared;
        }
        var list = values.Select(Shared).ToArray();
        if (shared is null && Lists.Count < 1024 && key.Length <= 512)
        {
            Lists.TryAdd(key, list);
        }
        return list;
    }

    private static bool Same(string[] shared, IList<string> values)
    {
        if (shared.Length != values.Count)
        {
            return false;
        }
        for (var i = 0; i < shared.Length; i++)
        {
            if (!string.Equals(shared[i], values[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
