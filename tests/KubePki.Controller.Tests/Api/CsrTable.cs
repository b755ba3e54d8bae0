using System.Text.Json.Nodes;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>Server-side printing (meta.k8s.io/v1 Table) as kube-apiserver does for <c>kubectl get csr</c>: the columns
/// and CONDITION text of printCertificateSigningRequest, written here independently of the product's
/// renderer.</summary>
public static class CsrTable
{
    public static string Render(IEnumerable<V1CertificateSigningRequest> items, long resourceVersion, DateTime now)
    {
        var columns = new JsonArray(
            Column("Name", "name"),
            Column("Age", ""),
            Column("SignerName", ""),
            Column("Requestor", ""),
            Column("RequestedDuration", ""),
            Column("Condition", "")
        );
        var rows = new JsonArray();
        foreach (var csr in items)
        {
            rows.Add(
                new JsonObject
                {
                    ["cells"] = new JsonArray(
                        csr.Metadata.Name,
                        Age(now - (csr.Metadata.CreationTimestamp ?? now)),
                        string.IsNullOrEmpty(csr.Spec.SignerName) ? "<none>" : csr.Spec.SignerName,
                        csr.Spec.Username ?? "",
                        csr.Spec.ExpirationSeconds is { } s ? Age(TimeSpan.FromSeconds(s)) : "<none>",
                        Condition(csr)
                    ),
                    ["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = JsonNode.Parse(ApiJson.Serialize(csr.Metadata)),
                    },
                }
            );
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString() },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        }.ToJsonString();
    }

    private static JsonObject Column(string name, string format) =>
        new()
        {
            ["name"] = name,
            ["type"] = "string",
            ["format"] = format,
            ["description"] = name,
            ["priority"] = 0,
        };

    private static string Condition(V1CertificateSigningRequest csr)
    {
        var types = (csr.Status?.Conditions ?? []).Select(c => c.Type).ToHashSet();
        var text =
            types.Contains("Denied") ? "Denied"
            : types.Contains("Approved") ? "Approved"
            : "Pending";
        if (types.Contains("Failed"))
        {
            text += ",Failed";
        }
        if (csr.Status?.Certificate is { Length: > 0 })
        {
            text += ",Issued";
        }
        return text;
    }

    // apimachinery's duration.HumanDuration, written out here from its rules (not shared with the product).
    internal static string Age(TimeSpan d)
    {
        var s = (long)d.TotalSeconds;
        long m = s / 60,
            h = s / 3600,
            days = s / 86400,
            years = days / 365;
        return s switch
        {
            < -1 => "<invalid>",
            < 0 => "0s",
            < 120 => $"{s}s",
            < 600 => s % 60 == 0 ? $"{m}m" : $"{m}m{s % 60}s",
            < 3 * 3600 => $"{m}m",
            < 8 * 3600 => m % 60 == 0 ? $"{h}h" : $"{h}h{m % 60}m",
            < 48 * 3600 => $"{h}h",
            < 8 * 86400 => h % 24 == 0 ? $"{days}d" : $"{days}d{h % 24}h",
            < 2 * 365 * 86400 => $"{days}d",
            < 8 * 365 * 86400 => days % 365 == 0 ? $"{years}y" : $"{years}y{days % 365}d",
            _ => $"{years}y",
        };
    }
}
