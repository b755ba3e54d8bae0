using System.Text;
using KubePki.Configuration;

namespace KubePki.ControlPlane;

/// <summary>What the rendered units run: the kubepki binary, the window and the paths passed through to
/// <c>certs renew all --restart-control-plane</c>.</summary>
internal sealed record RenewalTimerSpec(
    string Kubepki,
    string OnCalendar,
    TimeSpan ExpiringWithin,
    TimeSpan RandomizedDelay,
    IReadOnlyList<(string Flag, string Value)> PassThrough
);

/// <summary>A systemd service + timer pair for unattended renewal: a oneshot service that renews what expires within
/// the window and restarts its owners, and a persistent timer (a missed run happens at the next boot) with a
/// randomized delay so that the control-plane nodes of one cluster do not restart their components together.</summary>
internal static class RenewalTimerUnits
{
    public const string ServiceName = "kubepki-renew.service";
    public const string TimerName = "kubepki-renew.timer";

    public static IReadOnlyList<(string Name, string Content)> Render(RenewalTimerSpec spec)
    {
        if (!Path.IsPathRooted(spec.Kubepki))
        {
            throw new KubePkiException(
                $"--kubepki {spec.Kubepki}: must be an absolute path (systemd runs ExecStart " + $"without a shell)"
            );
        }
        foreach (
            var (flag, value) in spec
                .PassThrough.Append(("--on-calendar", spec.OnCalendar))
                .Append(("--kubepki", spec.Kubepki))
        )
        {
            if (value.Length == 0 || value.Any(char.IsControl))
            {
                throw new KubePkiException($"{flag}: \"{value}\" is empty or contains a control character");
            }
        }
        var arguments = new List<string>
        {
            spec.Kubepki,
            "certs",
            "renew",
            "all",
            "--expiring-within",
            GoDuration.Format(spec.ExpiringWithin),
            "--restart-control-plane",
        };
        foreach (var (flag, value) in spec.PassThrough)
        {
            arguments.Add(flag);
            arguments.Add(value);
        }
        var service = new StringBuilder()
            .Append("[Unit]\n")
            .Append(
                $"Description=Renew Kubernetes certificates expiring "
                    + $"within {GoDuration.Format(spec.ExpiringWithin)} and restart the control-plane components "
                    + $"that use "
                    + $"them (kubepki)\n"
            )
            .Append("After=kubelet.service\n")
            .Append('\n')
            .Append("[Service]\n")
            .Append("Type=oneshot\n")
            .Append("ExecStart=")
            .Append(string.Join(' ', arguments.Select(Quote)))
            .Append('\n')
            .ToString();
        var timer = new StringBuilder()
            .Append("[Unit]\n")
            .Append("Description=Unattended renewal of expiring Kubernetes certificates (kubepki)\n")
            .Append('\n')
            .Append("[Timer]\n")
            .Append("OnCalendar=")
            .Append(spec.OnCalendar)
            .Append('\n')
            .Append("Persistent=true\n")
            .Append("RandomizedDelaySec=")
            .Append((long)spec.RandomizedDelay.TotalSeconds)
            .Append('\n')
            .Append("Unit=")
            .Append(ServiceName)
            .Append('\n')
            .Append('\n')
            .Append("[Install]\n")
            .Append("WantedBy=timers.target\n")
            .ToString();
        return [(ServiceName, service), (TimerName, timer)];
    }

    // systemd expands %specifiers in ExecStart and splits words at spaces; quote and escape accordingly.
    private static string Quote(string word)
    {
        var escaped = Escape(word)
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal);
        return escaped.Any(c => c is ' ' or '\t' or '\'' or '"' or ';' or '\\') || escaped != Escape(word)
            ? $"\"{escaped}\""
            : escaped;
    }

    private static string Escape(string value) => value.Replace("%", "%%", StringComparison.Ordinal);
}
