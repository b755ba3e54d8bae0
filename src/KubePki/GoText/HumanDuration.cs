namespace KubePki.GoText;

/// <summary>apimachinery's duration package: the human-readable durations that kubectl and kubeadm print.</summary>
internal static class HumanDuration
{
    /// <summary>apimachinery's ShortHumanDuration, which kubeadm v1.29 uses for RESIDUAL TIME: 364d, 9y,
    /// &lt;invalid&gt;.</summary>
    public static string FormatShort(long seconds)
    {
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60)
        {
            return $"{seconds}s";
        }
        var minutes = seconds / 60;
        if (minutes < 60)
        {
            return $"{minutes}m";
        }
        var hours = seconds / 3600;
        if (hours < 24)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 365)
        {
            return $"{hours / 24}d";
        }
        return $"{hours / 24 / 365}y";
    }

    /// <summary>apimachinery's HumanDuration, used by kubectl for AGE and REQUESTEDDURATION: more precision for
    /// short spans (2m5s, 3h20m, 5d4h, 3y10d).</summary>
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3)
        {
            return $"{minutes}m";
        }
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
