using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubePki.Agent;

/// <summary>What a node's agent publishes on its Node (one JSON annotation), read back by the other agents' gate, by
/// the agent itself after a restart, and by <c>cluster status</c>. The API is the only shared state: no files are
/// shared between nodes.</summary>
public sealed record NodeReport
{
    /// <summary>The annotation holding the report.</summary>
    public const string Annotation = "kubepki.io/agent-status";

    /// <summary>The annotation <c>cluster renew</c> sets (an RFC 3339 time): renew everything once.</summary>
    public const string RequestAnnotation = "kubepki.io/renew-requested";

    public AgentState State { get; init; }

    public string Message { get; init; } = "";

    /// <summary>When the agent last looked (its liveness for the others).</summary>
    public DateTimeOffset Heartbeat { get; init; }

    /// <summary>The agent's --interval: a report older than three of them is stale.</summary>
    public TimeSpan Interval { get; init; }

    public DateTimeOffset? EarliestExpiry { get; init; }

    public DateTimeOffset? LastRenewal { get; init; }

    /// <summary>Whether every control-plane component of the node passed its probes at the last look; when not,
    /// <see cref="Unhealthy"/> names the first one and what it waits for.</summary>
    public bool Healthy { get; init; } = true;

    public string? Unhealthy { get; init; }

    /// <summary>Components renewed for but not yet restarted, in upgrade order: what a restarted agent
    /// finishes.</summary>
    public IReadOnlyList<string> PendingRestarts { get; init; } = [];

    /// <summary>The renewal request already carried out (the value of <see cref="RequestAnnotation"/>).</summary>
    public string? HandledRequest { get; init; }

    public long Renewals { get; init; }

    public long Failures { get; init; }

    public bool IsStale(DateTimeOffset now) => now - Heartbeat > 3 * Interval;

    public string ToJson()
    {
        var json = new JsonObject
        {
            ["state"] = State.ToString(),
            ["message"] = Message,
            ["heartbeat"] = Time(Heartbeat),
            ["intervalSeconds"] = (long)Interval.TotalSeconds,
            ["earliestExpiry"] = Time(EarliestExpiry),
            ["lastRenewal"] = Time(LastRenewal),
            ["healthy"] = Healthy,
            ["unhealthy"] = Unhealthy,
            ["pendingRestarts"] = new JsonArray([.. PendingRestarts.Select(p => (JsonNode)JsonValue.Create(p))]),
            ["handledRequest"] = HandledRequest,
            ["renewals"] = Renewals,
            ["failures"] = Failures,
        };
        return json.ToJsonString();
    }

    /// <summary>Reads a report; null when the annotation is missing or not a report (a node whose agent never ran,
    /// or a value someone else wrote).</summary>
    public static NodeReport? FromJson(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        try
        {
            if (JsonNode.Parse(text) is not JsonObject json)
            {
                return null;
            }
            return new NodeReport
            {
                State = Enum.TryParse<AgentState>((string?)json["state"], out var state) ? state : AgentState.Blocked,
                Message = (string?)json["message"] ?? "",
                Heartbeat = ReadTime(json["heartbeat"]) ?? DateTimeOffset.MinValue,
                Interval = TimeSpan.FromSeconds((long?)json["intervalSeconds"] ?? 0),
                EarliestExpiry = ReadTime(json["earliestExpiry"]),
                LastRenewal = ReadTime(json["lastRenewal"]),
                Healthy = (bool?)json["healthy"] ?? false,
                Unhealthy = (string?)json["unhealthy"],
                PendingRestarts = json["pendingRestarts"] is JsonArray pending
                    ? [.. pending.Select(p => (string?)p).OfType<string>()]
                    : [],
                HandledRequest = (string?)json["handledRequest"],
                Renewals = (long?)json["renewals"] ?? 0,
                Failures = (long?)json["failures"] ?? 0,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public static string? Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ReadTime(JsonNode? node) =>
        (string?)node is { } text
        && DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var time
        )
            ? time
            : null;
}
