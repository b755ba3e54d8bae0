using System.Diagnostics;
using System.Globalization;

namespace KubePki.ControlPlane;

/// <summary>Who decides whether an <c>OnCalendar=</c> expression is valid and when it elapses: systemd-analyze where
/// it is installed, else kubepki's own reading (<see cref="SystemdCalendar"/>).</summary>
internal interface ICalendarJudge
{
    /// <summary>The first <paramref name="count"/> elapses after <paramref name="after"/> (fewer when the event stops),
    /// to the second, in UTC; or null and why the expression is not a calendar event.</summary>
    IReadOnlyList<DateTimeOffset>? Elapses(string expression, DateTimeOffset after, int count, out string? error);
}

internal static class CalendarJudges
{
    /// <summary>systemd-analyze when it is on <paramref name="searchPath"/> (default: PATH), else kubepki's own
    /// reading.</summary>
    public static ICalendarJudge Default(string? searchPath = null) =>
        (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "systemd-analyze"))
            .FirstOrDefault(File.Exists)
            is { } tool
            ? new SystemdAnalyzeCalendarJudge(tool)
            : new ParsedCalendarJudge();

    public static IReadOnlyList<DateTimeOffset>? Elapses(SystemdCalendar calendar, DateTimeOffset after, int count)
    {
        var elapses = new List<DateTimeOffset>();
        for (var at = after; elapses.Count < count && calendar.NextAfter(at) is { } next; at = next)
        {
            elapses.Add(next);
        }
        return elapses;
    }
}

/// <summary>kubepki's own reading of the calendar grammar.</summary>
internal sealed class ParsedCalendarJudge : ICalendarJudge
{
    public IReadOnlyList<DateTimeOffset>? Elapses(
        string expression,
        DateTimeOffset after,
        int count,
        out string? error
    ) =>
        SystemdCalendar.TryParse(expression, out error) is { } calendar
            ? CalendarJudges
                .Elapses(calendar, after, count)!
                .Select(e => new DateTimeOffset(e.UtcTicks - e.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero))
                .ToList()
            : null;
}

/// <summary><c>systemd-analyze calendar --iterations=N --base-time=@T</c>, run with TZ=UTC so that it prints UTC (an
/// expression without a time zone is then read in UTC, as <see cref="SystemdCalendar"/> reads it).</summary>
internal sealed class SystemdAnalyzeCalendarJudge(string tool) : ICalendarJudge
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public IReadOnlyList<DateTimeOffset>? Elapses(string expression, DateTimeOffset after, int count, out string? error)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["TZ"] = "UTC";
        info.Environment["SYSTEMD_COLORS"] = "0";
        info.Environment["LC_ALL"] = "C";
        foreach (
            var arg in new[]
            {
                "calendar",
                $"--iterations={count}",
                $"--base-time=@{after.ToUnixTimeSeconds()}",
                "--",
                expression,
            }
        )
        {
            info.ArgumentList.Add(arg);
        }
        using var process =
            Process.Start(info) ?? throw new KubePkiException($"{tool}: could not be started", KubePkiErrorKind.Io);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new KubePkiException($"{tool} calendar did not answer within {Timeout.TotalSeconds:0} s");
        }
        if (process.ExitCode != 0 && !stderr.Result.Contains("calendar specification", StringComparison.Ordinal))
        {
            // Not a verdict on the expression (e.g. a systemd-analyze too old for --base-time): read it ourselves.
            return new ParsedCalendarJudge().Elapses(expression, after, count, out error);
        }
        if (process.ExitCode != 0)
        {
            var why = stderr.Result.Trim().ReplaceLineEndings(" ");
            error = $"systemd-analyze: {(why.Length > 0 ? why : $"exit code {process.ExitCode}")}";
            return null;
        }
        error = null;
        // "    Next elapse: Thu 2026-01-01 03:00:00 UTC" and "       Iter. #2: Fri 2026-01-02 03:00:00 UTC".
        return stdout
            .Result.Split('\n')
            .Select(line => line.Trim())
            .Where(line =>
                line.StartsWith("Next elapse:", StringComparison.Ordinal)
                || line.StartsWith("Iter. #", StringComparison.Ordinal)
            )
            .Select(line => line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..])
            .Where(value => value != "never")
            .Select(value =>
                DateTimeOffset.ParseExact(
                    value,
                    "ddd yyyy-MM-dd HH:mm:ss 'UTC'",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal
                )
            )
            .ToList();
    }
}
