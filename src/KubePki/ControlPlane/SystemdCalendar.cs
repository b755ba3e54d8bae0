using System.Globalization;

namespace KubePki.ControlPlane;

/// <summary>A systemd calendar event (<c>OnCalendar=</c>, systemd.time(7)) read by kubepki itself: used where
/// <c>systemd-analyze</c> is missing, and always to compute the longest time between two elapses. Elapses are computed
/// in UTC (an expression without a time zone runs in the node's local time, which differs from UTC by a constant
/// offset except across a daylight-saving change, at most an hour); other time zones are not read.</summary>
internal sealed class SystemdCalendar
{
    private const int MinYear = 1970;
    private const int MaxYear = 2199;
    private const int MicrosecondsPerSecond = 1_000_000;
    private const int AllWeekdays = 0b111_1111;

    private static readonly string[] WeekdayNames =
    [
        "Monday",
        "Mon",
        "Tuesday",
        "Tue",
        "Wednesday",
        "Wed",
        "Thursday",
        "Thu",
        "Friday",
        "Fri",
        "Saturday",
        "Sat",
        "Sunday",
        "Sun",
    ];

    // One element of a comma-separated field: Start, optionally up to Stop (-1: open), every Repeat (0: once).
    private readonly record struct Part(int Start, int Stop, int Repeat);

    private sealed class Fields
    {
        public int Weekdays = -1; // bit 0 = Monday; -1 = any day
        public bool EndOfMonth;
        public Part[]? Year,
            Month,
            Day,
            Hour,
            Minute; // null = any value
        public Part[]? Second; // in microseconds
    }

    private readonly Fields _fields;

    private SystemdCalendar(Fields fields) => _fields = fields;

    /// <summary>Reads <paramref name="text"/>, or returns why it is not a calendar event kubepki can
    /// evaluate.</summary>
    public static SystemdCalendar? TryParse(string text, out string? error)
    {
        try
        {
            var fields = Read(text);
            error = Valid(fields) ? null : "a value is out of range";
            return error is null ? new SystemdCalendar(fields) : null;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The first elapse strictly after <paramref name="after"/>, to the microsecond, or null when the event
    /// never elapses again (systemd stops at the year 2199).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var c = new DateTime(utc.Ticks - utc.Ticks % 10 + 10, DateTimeKind.Utc); // next whole microsecond
        var f = _fields;
        while (true)
        {
            if (c.Year > MaxYear || Earliest(f.Year, c.Year) is not { } year || year > MaxYear)
            {
                return null;
            }
            if (year > c.Year)
            {
                c = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            }
            if (Earliest(f.Month, c.Month) is not { } month || month > 12)
            {
                c = new DateTime(c.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddYears(1);
                continue;
            }
            if (month > c.Month)
            {
                c = new DateTime(c.Year, month, 1, 0, 0, 0, DateTimeKind.Utc);
            }
            var daysInMonth = DateTime.DaysInMonth(c.Year, c.Month);
            if (EarliestDay(daysInMonth, c.Day) is not { } day || day > daysInMonth)
            {
                c = new DateTime(c.Year, c.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
                continue;
            }
            if (day > c.Day)
            {
                c = new DateTime(c.Year, c.Month, day, 0, 0, 0, DateTimeKind.Utc);
            }
            if (f.Weekdays != -1 && (f.Weekdays & (1 << (((int)c.DayOfWeek + 6) % 7))) == 0)
            {
                c = c.Date.AddDays(1);
                continue;
            }
            if (Earliest(f.Hour, c.Hour) is not { } hour || hour > 23)
            {
                c = c.Date.AddDays(1);
                continue;
            }
            if (hour > c.Hour)
            {
                c = c.Date.AddHours(hour);
            }
            var startOfHour = c.Date.AddHours(c.Hour);
            if (Earliest(f.Minute, c.Minute) is not { } minute || minute > 59)
            {
                c = startOfHour.AddHours(1);
                continue;
            }
            if (minute > c.Minute)
            {
                c = startOfHour.AddMinutes(minute);
            }
            var startOfMinute = startOfHour.AddMinutes(c.Minute);
            var microsecond = (int)((c.Ticks - startOfMinute.Ticks) / 10);
            if (Earliest(f.Second, microsecond) is not { } second || second >= 60 * MicrosecondsPerSecond)
            {
                c = startOfMinute.AddMinutes(1);
                continue;
            }
            return new DateTimeOffset(startOfMinute.AddTicks(second * 10L));
        }
    }

    /// <summary>The longest time between two consecutive elapses among those from the first elapse after
    /// <paramref name="from"/> through <paramref name="horizon"/> later (the last gap is followed to its end), or null
    /// when the event stops elapsing. Exact: probes every hour and, only where a probe could lie in a gap longer than
    /// the longest so far, finds the gap's start by bisection.</summary>
    public TimeSpan? LongestGap(DateTimeOffset from, TimeSpan horizon)
    {
        var step = TimeSpan.FromHours(1);
        if (NextAfter(from) is not { } first)
        {
            return null;
        }
        var longest = TimeSpan.Zero;
        var end = first + horizon;
        for (var probe = first; probe < end; probe += step)
        {
            if (NextAfter(probe) is not { } next)
            {
                return null;
            }
            // The gap holding the probe started after probe - step (else the previous probe saw it) or is the
            // first elapse itself, so it is at most next - (probe - step).
            if (next - probe + step <= longest && probe != first)
            {
                continue;
            }
            var start = probe == first ? first : LastElapseAtOrBefore(probe, probe - step);
            if (start is { } s)
            {
                longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, (next - s).Ticks));
            }
        }
        return longest;
    }

    // The last elapse in (low, at], by bisection on microseconds, or null when there is none.
    private DateTimeOffset? LastElapseAtOrBefore(DateTimeOffset at, DateTimeOffset low)
    {
        if (NextAfter(low) is not { } firstAfterLow || firstAfterLow > at)
        {
            return null;
        }
        // Invariant: NextAfter(lo) <= at < NextAfter(hi); the answer is the smallest t with NextAfter(t) > at.
        long lo = low.UtcTicks / 10,
            hi = at.UtcTicks / 10;
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (NextAfter(new DateTimeOffset(mid * 10, TimeSpan.Zero)) > at)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }
        return new DateTimeOffset(hi * 10, TimeSpan.Zero);
    }

    private int? EarliestDay(int daysInMonth, int day)
    {
        if (!_fields.EndOfMonth || _fields.Day is null)
        {
            return Earliest(_fields.Day, day);
        }
        // "~N" counts from the end of the month: ~1 is the last day; a range runs forward from its earlier day.
        var parts = _fields
            .Day.Select(p =>
            {
                var start = daysInMonth + 1 - p.Start;
                var stop = p.Stop >= 0 ? daysInMonth + 1 - p.Stop : -1;
                return stop > 0 ? new Part(stop, start, p.Repeat) : new Part(start, stop, p.Repeat);
            })
            .ToArray();
        return Earliest(parts, day);
    }

    // The smallest value >= value that one of the parts produces (it may exceed the field: the caller carries).
    private static int? Earliest(Part[]? parts, int value)
    {
        if (parts is null)
        {
            return value;
        }
        int? best = null;
        foreach (var p in parts)
        {
            int? candidate =
                p.Start >= value ? p.Start
                : p.Repeat > 0 ? p.Start + p.Repeat * (int)Math.Ceiling((value - p.Start) / (double)p.Repeat)
                : null;
            if (candidate is { } c && (p.Start >= value || p.Stop < 0 || c <= p.Stop) && (best is null || c < best))
            {
                best = c;
            }
        }
        return best;
    }

    private static Fields Read(string text)
    {
        var fields = new Fields();
        var rest = text;
        if (rest.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[..^4];
        }
        else if (UnsupportedTimeZone(rest) is { } zone)
        {
            throw new FormatException(
                $"the time zone {zone} is not supported (without one the timer runs in the node's local time; or "
                    + "use UTC)"
            );
        }
        if (rest.Length == 0)
        {
            throw new FormatException("empty");
        }
        if (Shorthand(rest) is { } shorthand)
        {
            return shorthand;
        }
        var at = 0;
        ReadWeekdays(rest, ref at, fields);
        if (at < rest.Length && rest[at] == '@')
        {
            at++;
            var epoch = ReadNumber(rest, ref at);
            if (at != rest.Length)
            {
                throw new FormatException("text after @SECONDS");
            }
            var instant = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime;
            fields.Year = [new Part(instant.Year, -1, 0)];
            fields.Month = [new Part(instant.Month, -1, 0)];
            fields.Day = [new Part(instant.Day, -1, 0)];
            fields.Hour = [new Part(instant.Hour, -1, 0)];
            fields.Minute = [new Part(instant.Minute, -1, 0)];
            fields.Second = [new Part(instant.Second * MicrosecondsPerSecond, -1, 0)];
            return Normalized(fields);
        }
        ReadDate(rest, ref at, fields);
        ReadTime(rest, ref at, fields);
        if (at != rest.Length)
        {
            throw new FormatException($"unexpected \"{rest[at..]}\"");
        }
        return Normalized(fields);
    }

    /// <summary>The time zone other than UTC that ends <paramref name="text"/>, if any: systemd takes the last word
    /// for a time zone when its zoneinfo file exists.</summary>
    public static string? UnsupportedTimeZone(string text) =>
        text.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase) ? null
        : text.LastIndexOf(' ') is var space and >= 0 && IsTimeZone(text[(space + 1)..]) ? text[(space + 1)..]
        : null;

    private static bool IsTimeZone(string name) =>
        name.Length > 0
        && !name.Contains("..", StringComparison.Ordinal)
        && TimeZoneInfo.TryFindSystemTimeZoneById(name, out _);

    private static Fields? Shorthand(string text)
    {
        Part[] zero = [new Part(0, -1, 0)],
            one = [new Part(1, -1, 0)];
        return text.ToLowerInvariant() switch
        {
            "minutely" => new Fields { Second = zero },
            "hourly" => new Fields { Minute = zero, Second = zero },
            "daily" => new Fields
            {
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            "weekly" => new Fields
            {
                Weekdays = 1,
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            "monthly" => new Fields
            {
                Day = one,
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            "quarterly" => new Fields
            {
                Month = [new Part(1, -1, 0), new Part(4, -1, 0), new Part(7, -1, 0), new Part(10, -1, 0)],
                Day = one,
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            "semiannually" or "semi-annually" or "biannually" or "bi-annually" => new Fields
            {
                Month = [new Part(1, -1, 0), new Part(7, -1, 0)],
                Day = one,
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            "yearly" or "annually" or "anually" => new Fields
            {
                Month = one,
                Day = one,
                Hour = zero,
                Minute = zero,
                Second = zero,
            },
            _ => null,
        };
    }

    private static void ReadWeekdays(string text, ref int at, Fields fields)
    {
        var bits = 0;
        var rangeFrom = -1;
        for (var first = true; ; first = false)
        {
            var rest = text.AsSpan(at);
            var index = -1;
            for (var i = 0; i < WeekdayNames.Length && index < 0; i++)
            {
                index = rest.StartsWith(WeekdayNames[i], StringComparison.OrdinalIgnoreCase) ? i : -1;
            }
            if (index < 0)
            {
                if (first)
                {
                    return;
                }
                throw new FormatException("a weekday list ends in a separator");
            }
            var day = index / 2;
            at += WeekdayNames[index].Length;
            if (at < text.Length && text[at] is not ('-' or '.' or ',' or ' '))
            {
                throw new FormatException($"unknown weekday at \"{text[(at - WeekdayNames[index].Length)..]}\"");
            }
            bits |= 1 << day;
            if (rangeFrom >= 0)
            {
                if (rangeFrom > day)
                {
                    throw new FormatException("a weekday range runs backwards");
                }
                for (var d = rangeFrom; d < day; d++)
                {
                    bits |= 1 << d;
                }
            }
            fields.Weekdays = bits;
            if (at == text.Length)
            {
                return;
            }
            if (text[at] == ' ')
            {
                SkipSpaces(text, ref at);
                return;
            }
            if (text[at] == '.')
            {
                if (rangeFrom >= 0 || at + 1 >= text.Length || text[at + 1] != '.')
                {
                    throw new FormatException("a weekday range needs \"..\"");
                }
                rangeFrom = day;
                at += 2;
            }
            else if (text[at] == '-')
            {
                if (rangeFrom >= 0)
                {
                    throw new FormatException("a weekday range has two ends");
                }
                rangeFrom = day;
                at++;
            }
            else
            {
                rangeFrom = -1;
                at++;
            }
            if (at == text.Length || text[at] == ' ')
            {
                if (rangeFrom >= 0)
                {
                    throw new FormatException("a weekday range is open");
                }
                SkipSpaces(text, ref at);
                return;
            }
        }
    }

    private static void ReadDate(string text, ref int at, Fields fields)
    {
        if (at == text.Length)
        {
            return;
        }
        var t = at;
        var first = ReadChain(text, ref t, microseconds: false);
        if (t == text.Length || text[t] == ':')
        {
            return; // a time, not a date
        }
        fields.EndOfMonth = text[t] == '~';
        if (text[t] is not ('-' or '~'))
        {
            throw new FormatException($"unexpected \"{text[t..]}\"");
        }
        t++;
        var second = ReadChain(text, ref t, microseconds: false);
        if (t == text.Length || text[t] == ' ')
        {
            (fields.Month, fields.Day) = (first, second);
            SkipSpaces(text, ref t);
            at = t;
            return;
        }
        if (fields.EndOfMonth || text[t] is not ('-' or '~'))
        {
            throw new FormatException($"unexpected \"{text[t..]}\"");
        }
        fields.EndOfMonth = text[t] == '~';
        t++;
        var third = ReadChain(text, ref t, microseconds: false);
        if (t != text.Length && text[t] != ' ')
        {
            throw new FormatException($"unexpected \"{text[t..]}\"");
        }
        (fields.Year, fields.Month, fields.Day) = (first, second, third);
        SkipSpaces(text, ref t);
        at = t;
    }

    private static void ReadTime(string text, ref int at, Fields fields)
    {
        Part[] zero = [new Part(0, -1, 0)];
        if (at == text.Length)
        {
            (fields.Hour, fields.Minute, fields.Second) = (zero, zero, zero);
            return;
        }
        fields.Hour = ReadChain(text, ref at, microseconds: false);
        Expect(text, ref at, ':');
        fields.Minute = ReadChain(text, ref at, microseconds: false);
        if (at == text.Length)
        {
            fields.Second = zero;
            return;
        }
        Expect(text, ref at, ':');
        fields.Second = ReadChain(text, ref at, microseconds: true);
    }

    private static Part[]? ReadChain(string text, ref int at, bool microseconds)
    {
        if (at < text.Length && text[at] == '*')
        {
            at++;
            return microseconds ? [new Part(0, -1, MicrosecondsPerSecond)] : null;
        }
        var parts = new List<Part>();
        while (true)
        {
            var start = ReadComponentNumber(text, ref at, microseconds);
            var stop = -1;
            var repeat = 0;
            if (text.AsSpan(at).StartsWith(".."))
            {
                at += 2;
                stop = ReadComponentNumber(text, ref at, microseconds);
                repeat = microseconds ? MicrosecondsPerSecond : 1;
            }
            if (at < text.Length && text[at] == '/')
            {
                at++;
                repeat = ReadComponentNumber(text, ref at, microseconds);
                if (repeat == 0)
                {
                    throw new FormatException("a repetition of 0");
                }
            }
            else if (microseconds && stop >= 0 && (long)start + repeat > stop)
            {
                throw new FormatException("a range of seconds shorter than a second");
            }
            if (at < text.Length && text[at] is not (' ' or ',' or '-' or '~' or ':'))
            {
                throw new FormatException($"unexpected \"{text[at..]}\"");
            }
            parts.Add(new Part(start, stop, repeat));
            if (parts.Count > 241)
            {
                throw new FormatException("too many values in one field");
            }
            if (at < text.Length && text[at] == ',')
            {
                at++;
                continue;
            }
            return [.. parts];
        }
    }

    private static int ReadComponentNumber(string text, ref int at, bool microseconds)
    {
        var value = ReadNumber(text, ref at);
        if (microseconds)
        {
            value *= MicrosecondsPerSecond;
            if (at + 1 < text.Length && text[at] == '.' && text[at + 1] != '.')
            {
                at++;
                value += ReadFraction(text, ref at);
            }
            else if (at + 1 == text.Length && text[at] == '.')
            {
                throw new FormatException("a decimal point without digits");
            }
        }
        return value > int.MaxValue ? throw new FormatException("a number out of range") : (int)value;
    }

    // Up to six digits of a second; a seventh rounds (systemd-analyze reads 1.1234567 as 1.123457).
    private static long ReadFraction(string text, ref int at)
    {
        var begin = at;
        while (at < text.Length && char.IsAsciiDigit(text[at]))
        {
            at++;
        }
        if (at == begin)
        {
            throw new FormatException("a decimal point without digits");
        }
        var digits = text[begin..at];
        var micro = long.Parse(digits.PadRight(6, '0')[..6], CultureInfo.InvariantCulture);
        return digits.Length > 6 && digits[6] >= '5' ? micro + 1 : micro;
    }

    private static long ReadNumber(string text, ref int at)
    {
        var begin = at;
        while (at < text.Length && char.IsAsciiDigit(text[at]))
        {
            at++;
        }
        if (at == begin)
        {
            throw new FormatException(
                at < text.Length ? $"unexpected \"{text[at..]}\"" : "a number is missing at the end"
            );
        }
        return
            long.TryParse(text.AsSpan(begin, at - begin), NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            && v <= int.MaxValue
            ? v
            : throw new FormatException("a number out of range");
    }

    private static void Expect(string text, ref int at, char c)
    {
        if (at >= text.Length || text[at] != c)
        {
            throw new FormatException(at < text.Length ? $"unexpected \"{text[at..]}\"" : $"\"{c}\" is missing");
        }
        at++;
    }

    private static void SkipSpaces(string text, ref int at)
    {
        while (at < text.Length && text[at] == ' ')
        {
            at++;
        }
    }

    private static Fields Normalized(Fields f)
    {
        if (f.Weekdays is <= 0 or >= AllWeekdays)
        {
            f.Weekdays = -1;
        }
        f.EndOfMonth &= f.Day is not null;
        // Two-digit years: 0-69 are 2000-2069, 70-99 are 1970-1999.
        f.Year = f
            .Year?.Select(p => new Part(FullYear(p.Start), p.Stop < 0 ? p.Stop : FullYear(p.Stop), p.Repeat))
            .ToArray();
        f.Year = Tidy(f.Year);
        f.Month = Tidy(f.Month);
        f.Day = Tidy(f.Day);
        f.Hour = Tidy(f.Hour);
        f.Minute = Tidy(f.Minute);
        f.Second = Tidy(f.Second);
        return f;
    }

    private static int FullYear(int year) =>
        year switch
        {
            < 70 => year + 2000,
            < 100 => year + 1900,
            _ => year,
        };

    // A range's end is cut to its last repetition; a repetition that cannot happen, or a range of one value, is a
    // single value.
    private static Part[]? Tidy(Part[]? parts) =>
        parts
            ?.Select(p =>
            {
                var stop = p.Stop > p.Start && p.Repeat > 0 ? p.Stop - (p.Stop - p.Start) % p.Repeat : p.Stop;
                return (stop > p.Start && p.Repeat > 0 && p.Start + p.Repeat > stop) || p.Start == stop
                    ? new Part(p.Start, -1, 0)
                    : p with
                    {
                        Stop = stop,
                    };
            })
            .ToArray();

    private static bool Valid(Fields f) =>
        ChainValid(f.Year, MinYear, MaxYear, false)
        && ChainValid(f.Month, 1, 12, false)
        && ChainValid(f.Day, 1, 31, f.EndOfMonth)
        && ChainValid(f.Hour, 0, 23, false)
        && ChainValid(f.Minute, 0, 59, false)
        && ChainValid(f.Second, 0, 60 * MicrosecondsPerSecond - 1, false);

    private static bool ChainValid(Part[]? parts, int from, int to, bool endOfMonth)
    {
        // Counted from the end of the month, a day lies at most 28 days back (February).
        var last = endOfMonth ? to - 3 : to;
        return parts is null
            || parts.All(p =>
                p.Start >= from
                && p.Start <= last
                && p.Repeat <= last - from
                && (
                    p.Stop >= 0 ? p.Stop >= from && p.Stop <= last && (long)p.Start + p.Repeat <= p.Stop
                    : endOfMonth ? p.Start - p.Repeat >= from
                    : (long)p.Start + p.Repeat <= last
                )
            );
    }
}
