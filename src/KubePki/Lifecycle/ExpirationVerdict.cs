using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.GoText;

namespace KubePki.Lifecycle;

/// <summary>The exit code of <c>check-expiration</c> for scripts and monitoring, and the lines explaining it. A cert
/// dir without its CAs is never healthy; with a window, a missing certificate is as bad as an expiring one.</summary>
internal sealed record ExpirationVerdict(int ExitCode, IReadOnlyList<string> Lines)
{
    public const int BrokenExitCode = 1;
    public const int ExpiringExitCode = 2;

    /// <summary>Only the first control-plane node has super-admin.conf (kubeadm KEP-4214); its absence elsewhere is
    /// normal.</summary>
    private static readonly HashSet<string> Optional = [KubeconfigCatalog.SuperAdmin.FileName];

    public static ExpirationVerdict Of(ExpirationInfo info, ClusterConfig config, TimeSpan? window)
    {
        var missingCas = info.CertificateAuthorities.Where(e => e.Missing).Select(e => e.Name).ToHashSet();
        if (missingCas.Count > 0)
        {
            var paths = RenewalCatalog
                .Cas(config)
                .Where(ca => missingCas.Contains(ca.Name))
                .Select(ca => $"{ca.Name} ({Path.Combine(config.CertificatesDir, ca.BaseName + ".crt")})");
            return new(BrokenExitCode, [$"error: missing certificate authority: {string.Join(", ", paths)}"]);
        }
        if (window is not { } limit)
        {
            return new(0, []);
        }
        var lines = new List<string>();
        var missing = info
            .Certificates.Where(e => e.Missing && !Optional.Contains(e.Name))
            .Select(e => e.Name)
            .ToList();
        if (missing.Count > 0)
        {
            lines.Add($"missing: {string.Join(", ", missing)}");
        }
        var expiring = info
            .All.Where(e => !e.Missing && e.ResidualTimeSeconds <= limit.TotalSeconds)
            .Select(e => e.Name)
            .ToList();
        if (expiring.Count > 0)
        {
            lines.Add($"expiring within {GoDuration.Format(limit)}: {string.Join(", ", expiring)}");
        }
        return new(lines.Count > 0 ? ExpiringExitCode : 0, lines);
    }
}
