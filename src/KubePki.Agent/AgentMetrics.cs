using System.Globalization;
using System.Text;

namespace KubePki.Agent;

/// <summary>The agent's /metrics: for its node, seconds until the earliest expiry, renewals and failures counted (as
/// recorded on the Node, so they survive restarts of the agent), and the state as a gauge per state.</summary>
internal static class AgentMetrics
{
    public static string Render(string node, NodeReport? report, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var label = $"node=\"{Escape(node)}\"";
        text.Append("# HELP kubepki_agent_earliest_expiry_seconds Seconds until the earliest expiry of the node's ")
            .Append("certificates and kubeconfigs.\n# TYPE kubepki_agent_earliest_expiry_seconds gauge\n");
        if (report?.EarliestExpiry is { } earliest)
        {
            text.Append(
                CultureInfo.InvariantCulture,
                $"kubepki_agent_earliest_expiry_seconds{{{label}}} {(long)(earliest - now).TotalSeconds}\n"
            );
        }
        text.Append("# HELP kubepki_agent_renewals_total Renewals the node's agent completed.\n")
            .Append("# TYPE kubepki_agent_renewals_total counter\n")
            .Append(CultureInfo.InvariantCulture, $"kubepki_agent_renewals_total{{{label}}} {report?.Renewals ?? 0}\n")
            .Append("# HELP kubepki_agent_failures_total Renewals that failed (a component not healthy in time).\n")
            .Append("# TYPE kubepki_agent_failures_total counter\n")
            .Append(CultureInfo.InvariantCulture, $"kubepki_agent_failures_total{{{label}}} {report?.Failures ?? 0}\n")
            .Append("# HELP kubepki_agent_state The agent's state (1 for the current one).\n")
            .Append("# TYPE kubepki_agent_state gauge\n");
        foreach (var state in Enum.GetValues<AgentState>())
        {
            var value = report?.State == state ? 1 : 0;
            text.Append(CultureInfo.InvariantCulture, $"kubepki_agent_state{{{label},state=\"{state}\"}} {value}\n");
        }
        return text.ToString();
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
