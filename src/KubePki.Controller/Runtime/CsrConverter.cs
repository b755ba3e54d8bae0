using k8s.Models;
using KubePki.Controller.Model;

namespace KubePki.Controller.Runtime;

/// <summary>Client models (mutable, nullable-oblivious) → the pure core's records, at the edge.</summary>
public static class CsrConverter
{
    public static CsrSnapshot ToSnapshot(V1CertificateSigningRequest csr) =>
        new(
            csr.Metadata?.Name ?? "",
            csr.Spec?.SignerName ?? "",
            csr.Spec?.Request ?? [],
            csr.Spec?.Usages?.ToList() ?? [],
            csr.Spec?.ExpirationSeconds,
            csr.Spec?.Username ?? "",
            csr.Spec?.Groups?.ToList() ?? [],
            (csr.Status?.Conditions ?? [])
                .Select(c => new CsrCondition(
                    c.Type ?? "",
                    c.Status ?? "",
                    c.Reason,
                    c.Message,
                    c.LastUpdateTime is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null
                ))
                .ToList(),
            csr.Status?.Certificate,
            csr.Metadata?.CreationTimestamp is { } created
                ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))
                : null
        );

    /// <summary>The Node as the approver needs it; address types are shared strings and an address equal to the
    /// name (the usual Hostname) reuses the name's string, since the Node cache holds one of these per Node.</summary>
    public static NodeFacts ToFacts(V1Node node)
    {
        var name = node.Metadata?.Name ?? "";
        return new(
            name,
            (node.Status?.Addresses ?? [])
                .Select(a => new NodeAddress(
                    CachedCsr.Shared(a.Type ?? ""),
                    a.Address == name ? name : a.Address ?? ""
                ))
                .ToArray()
        );
    }
}
