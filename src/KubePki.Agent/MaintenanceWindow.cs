namespace KubePki.Agent;

/// <summary>kured's maintenance window: from <see cref="Start"/> to <see cref="End"/> in <see cref="Zone"/>, on
/// <see cref="Days"/> (the day the window opens). An end before the start wraps past midnight; equal times mean the
/// whole day.</summary>
public sealed record MaintenanceWindow(TimeOnly Start, TimeOnly End, TimeZoneInfo Zone, IReadOnlySet<DayOfWeek> Days)
{
    public static readonly IReadOnlyList<DayOfWeek> AllDays = Enum.GetValues<DayOfWeek>();

    /// <summary>Any time, any day (the default).</summary>
    public static MaintenanceWindow Always { get; } =
        new(TimeOnly.MinValue, TimeOnly.MinValue, TimeZoneInfo.Utc, AllDays.ToHashSet());

    public bool IsAlways => Start == End && Days.Count == 7;

    public bool Contains(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (Start == End)
        {
            return Days.Contains(local.DayOfWeek);
        }
        if (Start < End)
        {
            return time >= Start && time < End && Days.Contains(local.DayOfWeek);
        }
        // Wrapping past midnight: after the start the window opened today, before the end it opened yesterday.
        if (time >= Start)
        {
            return Days.Contains(local.DayOfWeek);
        }
        return time < End && Days.Contains(local.AddDays(-1).DayOfWeek);
    }

    public override string ToString()
    {
        var days =
            Days.Count == 7
                ? "every day"
                : string.Join(",", AllDays.Where(Days.Contains).Select(d => d.ToString()[..3].ToLowerInvariant()));
        return $"{Start:HH\\:mm}-{End:HH\\:mm} {Zone.Id}, {days}";
    }

    /// <summary>Reads the flags; each bad value is a one-line error naming its flag.</summary>
    public static MaintenanceWindow Parse(string? start, string? end, string? zone, string? days)
    {
        var startTime = ReadTime(start ?? "00:00", "--start-time");
        var endTime = ReadTime(end ?? "00:00", "--end-time");
        TimeZoneInfo timeZone;
        try
        {
            timeZone = zone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new KubePkiException($"--time-zone {zone}: unknown time zone");
        }
        var set = days is null ? AllDays.ToHashSet() : ReadDays(days);
        return new MaintenanceWindow(startTime, endTime, timeZone, set);
    }

    private static TimeOnly ReadTime(string text, string flag) =>
        TimeOnly.TryParseExact(
            text,
            ["HH:mm", "H:mm"],
            System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None,
            out var time
        )
            ? time
            : throw new KubePkiException($"{flag} {text}: not a time of day (HH:MM, 24-hour)");

    private static HashSet<DayOfWeek> ReadDays(string text)
    {
        var set = new HashSet<DayOfWeek>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var day = AllDays.FirstOrDefault(
                d => part.Length >= 3 && d.ToString().StartsWith(part, StringComparison.OrdinalIgnoreCase),
                (DayOfWeek)(-1)
            );
            if (day < 0)
            {
                throw new KubePkiException(
                    $"--days {text}: \"{part}\" is not a day (mon, tue, wed, thu, fri, sat, sun)"
                );
            }
            set.Add(day);
        }
        return set;
    }
}
