using System.Globalization;
using System.Text;
using KubePki.GoText;

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

    /// <summary>How much longer than the timer's longest interval plus its randomized delay the renewal window must
    /// be: a day, to cover a run that takes long or fails once (its component restarts, a held lock) and is retried by
    /// hand after the expiry alert, a daylight-saving change of a local-time calendar (an hour), and clock
    /// skew.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(24);

    // Long enough to see every month length and a leap day's neighbourhood; the last gap is followed to its end.
    private static readonly TimeSpan PeriodHorizon = TimeSpan.FromDays(400);

    // The elapses that systemd-analyze and kubepki's reading must agree on before kubepki computes the period.
    private const int ComparedElapses = 16;

    public static IReadOnlyList<(string Name, string Content)> Render(
        RenewalTimerSpec spec,
        ICalendarJudge judge,
        DateTimeOffset now
    )
    {
        if (!Path.IsPathRooted(spec.Kubepki))
        {
            throw new KubePkiException(
                $"--kubepki {Shown(spec.Kubepki)}: must be an absolute path (systemd runs ExecStart without a shell)",
                KubePkiErrorKind.InvalidInput
            );
        }
        CheckWord("--kubepki", spec.Kubepki);
        if (spec.Kubepki.Contains('$', StringComparison.Ordinal))
        {
            // systemd does not expand variables in the program path (systemd.service(5)); it may in a later version.
            throw new KubePkiException(
                $"--kubepki {Shown(spec.Kubepki)}: a \"$\" in the program path is refused",
                KubePkiErrorKind.InvalidInput
            );
        }
        foreach (var (flag, value) in spec.PassThrough)
        {
            CheckWord(flag, value);
        }
        CheckPeriod(spec, judge, now);
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
            .Append(string.Join(' ', arguments.Select((word, i) => Quote(word, programPath: i == 0))))
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
            .Append("FixedRandomDelay=yes\n")
            .Append("Unit=")
            .Append(ServiceName)
            .Append('\n')
            .Append('\n')
            .Append("[Install]\n")
            .Append("WantedBy=timers.target\n")
            .ToString();
        return [(ServiceName, service), (TimerName, timer)];
    }

    // Refused rather than escaped: systemd refuses quotes and backslashes in the program path ("Executable name
    // contains special characters") and would unquote or unescape them elsewhere; a trailing backslash continues the
    // line; control characters (newlines) end it.
    private static void CheckWord(string flag, string value)
    {
        if (value.Length == 0)
        {
            throw new KubePkiException($"{flag}: must not be empty", KubePkiErrorKind.InvalidInput);
        }
        if (value.FirstOrDefault(c => char.IsControl(c) || char.IsSurrogate(c) || c is '"' or '\'' or '\\') is not '\0')
        {
            throw new KubePkiException(
                $"{flag} {Shown(value)}: quotes, backslashes and control characters are refused (systemd would "
                    + "read the ExecStart word differently)",
                KubePkiErrorKind.InvalidInput
            );
        }
    }

    private static void CheckPeriod(RenewalTimerSpec spec, ICalendarJudge judge, DateTimeOffset now)
    {
        var calendar = spec.OnCalendar;
        var what = $"--on-calendar {Shown(calendar)}";
        if (calendar.Any(c => char.IsControl(c) || c is '%' or '\\'))
        {
            // The timer file expands %specifiers in OnCalendar=, and a backslash at the end continues the line.
            throw new KubePkiException(
                $"{what}: \"%\", backslashes and control characters are refused",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (SystemdCalendar.UnsupportedTimeZone(calendar) is { } zone)
        {
            throw new KubePkiException(
                $"{what}: the time zone {zone} is not supported (without one the timer runs in the node's local "
                    + "time; or use UTC)",
                KubePkiErrorKind.InvalidInput
            );
        }
        var judged = judge.Elapses(calendar, now, ComparedElapses, out var error);
        if (judged is null)
        {
            throw new KubePkiException(
                $"{what}: not a systemd calendar event ({error})",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (SystemdCalendar.TryParse(calendar, out var readError) is not { } read)
        {
            throw new KubePkiException($"{what}: {readError}", KubePkiErrorKind.InvalidInput);
        }
        var ours = new ParsedCalendarJudge().Elapses(calendar, now, ComparedElapses, out _)!;
        if (!ours.SequenceEqual(judged))
        {
            var at = Enumerable
                .Range(0, Math.Max(ours.Count, judged.Count))
                .First(i => i >= ours.Count || i >= judged.Count || ours[i] != judged[i]);
            throw new KubePkiException(
                $"{what}: kubepki reads its elapses differently from systemd-analyze (elapse {at + 1}: "
                    + $"{Elapse(ours, at)}, systemd-analyze: {Elapse(judged, at)}); use a simpler expression",
                KubePkiErrorKind.InvalidInput
            );
        }
        if (read.LongestGap(now, PeriodHorizon) is not { } period)
        {
            throw new KubePkiException(
                $"{what}: stops elapsing; a renewal timer must keep running",
                KubePkiErrorKind.InvalidInput
            );
        }
        var needed = period + spec.RandomizedDelay + Margin;
        if (spec.ExpiringWithin < needed)
        {
            throw new KubePkiException(
                $"--expiring-within {GoDuration.Format(spec.ExpiringWithin)}: shorter than the longest time between "
                    + $"two runs of {what} ({GoDuration.Format(period)}) plus --randomized-delay "
                    + $"{GoDuration.Format(spec.RandomizedDelay)} plus a {GoDuration.Format(Margin)} margin; use at "
                    + $"least {GoDuration.Format(needed)} (a certificate could otherwise expire between two runs)",
                KubePkiErrorKind.InvalidInput
            );
        }
    }

    private static string Elapse(IReadOnlyList<DateTimeOffset> elapses, int index) =>
        index < elapses.Count
            ? elapses[index].ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            : "none";

    // A value as an error message shows it: on one line, control characters as C escapes.
    private static string Shown(string value) =>
        string.Concat(
            value.Select(c =>
                c switch
                {
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                    _ => c.ToString(),
                }
            )
        );

    // systemd expands %specifiers in the whole ExecStart line and $VARIABLES in the arguments (not in the program
    // path), and splits words at spaces and at a lone ";": escape % and $, and quote a word holding a space or ";".
    private static string Quote(string word, bool programPath)
    {
        var escaped = word.Replace("%", "%%", StringComparison.Ordinal);
        if (!programPath)
        {
            escaped = escaped.Replace("$", "$$", StringComparison.Ordinal);
        }
        return escaped.Any(c => c is ' ' or ';') ? $"\"{escaped}\"" : escaped;
    }
}
