using System.Text.Json.Nodes;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>Server-side printing of core/v1 Events (<c>kubectl get events</c>): kube-apiserver's columns LAST SEEN,
/// TYPE, REASON, OBJECT, MESSAGE, and with -o wide SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME.</summary>
public static class EventTable
{
    public static string Render(IEnumerable<Corev1Event> items, long resourceVersion, DateTime now)
    {
        var columns = new JsonArray(
            Column("Last Seen", 0),
            Column("Type", 0),
            Column("Reason", 0),
            Column("Object", 0),
            Column("Subobject", 1),
            Column("Source", 1),
            Column("Message", 0),
            Column("First Seen", 1),
            Column("Count", 1, "integer"),
            Column("Name", 1, "string", "name")
        );
        var rows = new JsonArray();
        foreach (var e in items)
        {
            var first = e.FirstTimestamp ?? e.EventTime;
            var last = e.Series?.LastObservedTime ?? e.LastTimestamp ?? first;
            var count = e.Series?.Count ?? (e.Count is null or 0 ? 1 : e.Count.Value);
            var source = e.Source?.Component ?? e.ReportingComponent ?? "";
            if (e.Source?.Host is { Length: > 0 } host)
            {
                source += ", " + host;
            }
            rows.Add(
                new JsonObject
                {
                    ["cells"] = new JsonArray(
                        Since(last, now),
                        e.Type ?? "",
                        e.Reason ?? "",
                        $"{(e.InvolvedObject?.Kind ?? "").ToLowerInvariant()}/{e.InvolvedObject?.Name}",
                        e.InvolvedObject?.FieldPath ?? "",
                        source,
                        (e.Message ?? "").Trim(),
                        Since(first, now),
                        count,
                        e.Metadata.Name
                    ),
                    ["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = JsonNode.Parse(ApiJson.Serialize(e.Metadata)),
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

    private static string Since(DateTime? at, DateTime now) => at is { } t ? CsrTable.Age(now - t) : "<unknown>";

    private static JsonObject Column(string name, int priority, string type = "string", string format = "") =>
        new()
        {
            ["name"] = name,
            ["type"] = type,
            ["format"] = format,
            ["description"] = name,
            ["priority"] = priority,
        };
}
