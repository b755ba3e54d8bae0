using System.Globalization;

namespace KubePki.GoText;

/// <summary>Go's time.Duration text ("8760h", "1h30m", "90s", "8760h0m0s"), the form kubeadm configs and flags
/// use.</summary>
internal static class GoDuration
{
    /// <summary>The one parser of duration flags and fields: a non-negative Go duration, else one line naming
    /// <paramref name="what"/> (the flag or field).</summary>
    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new KubePkiException(
                $"{what}: \"{text}\" is not a valid duration (e.g. 720h)",
                KubePkiErrorKind.InvalidInput
            );

    /// <summary>Go's largest duration, int64 nanoseconds (about 292 years); kubeadm cannot read more, nor do
    /// we.</summary>
    public const string MaxText = "2562047h47m16.854775807s";

    private const decimal MaxNanoseconds = long.MaxValue;

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        var negative = s[0] == '-';
        if (s[0] is '-' or '+')
        {
            s = s[1..];
        }
        if (s == "0")
        {
            return true;
        }
        decimal totalNanoseconds = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (
                i == start
                || !decimal.TryParse(
                    s[start..i],
                    NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture,
                    out var number
                )
            )
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }
            decimal? unitNanoseconds = s[unitStart..i] switch
            {
                "ns" => 1m,
                "us" or "µs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => null,
            };
            // Go refuses a duration that overflows int64 nanoseconds ("time: invalid duration").
            if (unitNanoseconds is null || number > MaxNanoseconds / unitNanoseconds.Value)
            {
                return false;
            }
            totalNanoseconds += decimal.Truncate(number * unitNanoseconds.Value);
            if (totalNanoseconds > MaxNanoseconds)
            {
                return false;
            }
        }
        var ticks = (long)(totalNanoseconds / 100);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Go's String() form, e.g. 8760h0m0s.</summary>
    public static string Format(TimeSpan value)
    {
        var sign = value < TimeSpan.Zero ? "-" : "";
        var d = value.Duration();
        if (d == TimeSpan.Zero)
        {
            return "0s";
        }
        var hours = (long)d.TotalHours;
        var seconds = d.Seconds + d.Milliseconds / 1000.0;
        var secondsText = seconds.ToString("0.#########", CultureInfo.InvariantCulture);
        return hours > 0 ? $"{sign}{hours}h{d.Minutes}m{secondsText}s"
            : d.Minutes > 0 ? $"{sign}{d.Minutes}m{secondsText}s"
            : $"{sign}{secondsText}s";
    }
}
