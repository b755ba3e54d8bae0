namespace KubePki.Cli.Rendering;

/// <summary>apimachinery's ShortHumanDuration, which kubeadm v1.29 uses for RESIDUAL TIME: 364d, 9y,
/// &lt;invalid&gt;.</summary>
public static class ShortHumanDuration
{
    public static string Format(long seconds)
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
}
