using System.Globalization;
using System.Text;

namespace KubePki.Controller.Runtime;

/// <summary>The controller's Prometheus metrics, rendered in the text exposition format (no client library needed
/// for a handful of counters and one histogram).</summary>
public sealed class ControllerMetrics
{
    private static readonly double[] Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private readonly object _gate = new();
    private readonly SortedDictionary<string, SortedDictionary<string, double>> _counters = new(StringComparer.Ordinal);
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private long _issueCount;
    private double _issueSum;

    public bool IsLeader { get; set; }

    public bool IsSynced { get; set; }

    /// <summary>With leader election: whether the last Lease request reached the API server. A follower that cannot
    /// reach it could not take over, so it is not ready either.</summary>
    public bool ApiReachable { get; set; } = true;

    /// <summary>/readyz: the leader (or a controller without election) once its caches synced; a follower while it
    /// reaches the API server.</summary>
    public bool IsReady(bool leaderElect) => leaderElect && !IsLeader ? ApiReachable : IsSynced;

    public void Seen(string signer) => Increment("kubepki_csr_seen_total", Labels(("signer", signer)));

    public void Approved(string signer) => Increment("kubepki_csr_approved_total", Labels(("signer", signer)));

    public void Denied(string signer, string reason) =>
        Increment("kubepki_csr_denied_total", Labels(("signer", signer), ("reason", reason)));

    public void Signed(string signer) => Increment("kubepki_csr_signed_total", Labels(("signer", signer)));

    public void Failed(string signer, string reason) =>
        Increment("kubepki_csr_failed_total", Labels(("signer", signer), ("reason", reason)));

    public void CaReloadFailed(string file) => Increment("kubepki_ca_reload_errors_total", Labels(("file", file)));

    public void Retried(string reason) => Increment("kubepki_csr_retries_total", Labels(("reason", reason)));

    public double Value(string name, string labels = "")
    {
        lock (_gate)
        {
            return _counters.TryGetValue(name, out var series)
                ? series.Where(p => p.Key.Contains(labels, StringComparison.Ordinal)).Sum(p => p.Value)
                : 0;
        }
    }

    /// <summary>Time from the CSR's creationTimestamp to its certificate being written.</summary>
    public void IssuedAfter(TimeSpan elapsed)
    {
        var seconds = Math.Max(0, elapsed.TotalSeconds);
        lock (_gate)
        {
            _issueCount++;
            _issueSum += seconds;
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (seconds <= Buckets[i])
                {
                    _bucketCounts[i]++;
                }
            }
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var (name, series) in _counters)
            {
                text.Append($"# TYPE {name} counter\n");
                foreach (var (labels, value) in series)
                {
                    text.Append($"{name}{labels} {Format(value)}\n");
                }
            }
            const string histogram = "kubepki_csr_creation_to_issue_seconds";
            text.Append(
                $"# HELP {histogram} Time from a CSR's creation to its certificate being written.\n# TYPE "
                    + $"{histogram} histogram\n"
            );
            for (var i = 0; i < Buckets.Length; i++)
            {
                text.Append($"{histogram}_bucket{{le=\"{Format(Buckets[i])}\"}} {_bucketCounts[i]}\n");
            }
            text.Append(
                $"{histogram}_bucket{{le=\"+Inf\"}} {_issueCount}\n{histogram}_sum "
                    + $"{Format(_issueSum)}\n{histogram}_count {_issueCount}\n"
            );
        }
        text.Append($"# TYPE kubepki_leader gauge\nkubepki_leader {(IsLeader ? 1 : 0)}\n");
        return text.ToString();
    }

    private void Increment(string name, string labels)
    {
        lock (_gate)
        {
            if (!_counters.TryGetValue(name, out var series))
            {
                _counters[name] = series = new SortedDictionary<string, double>(StringComparer.Ordinal);
            }
            series[labels] = series.GetValueOrDefault(labels) + 1;
        }
    }

    private static string Labels(params (string Name, string Value)[] labels) =>
        "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")) + "}";

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
