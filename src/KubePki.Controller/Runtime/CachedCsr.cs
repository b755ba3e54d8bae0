using System.Collections.Concurrent;
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
        Uid = metadata.Uid;
        ResourceVersion = metadata.ResourceVersion;
        CreationTimestamp = metadata.CreationTimestamp;
        Labels = metadata.Labels;
        Annotations = metadata.Annotations;
        Finalizers = metadata.Finalizers;
        OwnerReferences = metadata.OwnerReferences;
        Request = spec?.Request;
        SignerName = Shared(spec?.SignerName ?? "");
        Usages = SharedList(spec?.Usages);
        ExpirationSeconds = spec?.ExpirationSeconds;
        Username = spec?.Username;
        UserUid = spec?.Uid;
        Groups = SharedList(spec?.Groups);
        Extra = spec?.Extra;
        Conditions = csr.Status?.Conditions is { Count: > 0 } conditions ? [.. conditions] : null;
        Certificate = csr.Status?.Certificate;
    }

    public string Name { get; }
    public string? Uid { get; }
    public string? ResourceVersion { get; }
    public DateTime? CreationTimestamp { get; }
    public IDictionary<string, string>? Labels { get; }
    public IDictionary<string, string>? Annotations { get; }
    public IList<string>? Finalizers { get; }
    public IList<V1OwnerReference>? OwnerReferences { get; }
    public byte[]? Request { get; }
    public string SignerName { get; }
    public string[]? Usages { get; }
    public int? ExpirationSeconds { get; }
    public string? Username { get; }
    public string? UserUid { get; }
    public string[]? Groups { get; }
    public IDictionary<string, IList<string>>? Extra { get; }
    public V1CertificateSigningRequestCondition[]? Conditions { get; }
    public byte[]? Certificate { get; }

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
