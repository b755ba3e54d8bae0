namespace KubePki.Controller.Signing;

/// <summary>KCM's signer duration and PermissiveSigningPolicy{Backdate: 5m, Short: 8h}, pure with time passed in.
/// <see cref="Error"/> is set when the CA cannot sign at all (KCM returns an error and retries).</summary>
public sealed record SigningWindow(DateTimeOffset NotBefore, DateTimeOffset NotAfter, string? Error)
{
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Short = TimeSpan.FromHours(8);
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultClusterSigningDuration = TimeSpan.FromHours(8760);

    /// <summary>The lifetime KCM grants: the requested expirationSeconds, capped by --cluster-signing-duration and
    /// raised to 10 minutes (twice the backdate), or the signing duration when none was requested.</summary>
    public static TimeSpan Ttl(TimeSpan clusterSigningDuration, int? expirationSeconds)
    {
        if (expirationSeconds is not { } seconds)
        {
            return clusterSigningDuration;
        }
        var requested = TimeSpan.FromSeconds(seconds);
        if (requested > clusterSigningDuration)
        {
            return clusterSigningDuration;
        }
        return requested < MinimumTtl ? MinimumTtl : requested;
    }

    public static SigningWindow Compute(DateTimeOffset now, TimeSpan ttl, DateTimeOffset caNotAfter)
    {
        // Certificates carry whole seconds; truncating first keeps NotAfter - NotBefore exact.
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var notBefore = now - Backdate;
        // Short certificates keep their full lifetime; longer ones give back the backdate so the total stays ttl.
        var notAfter = ttl < Short ? now + ttl : now + ttl - Backdate;
        if (notAfter >= caNotAfter)
        {
            notAfter = caNotAfter;
        }
        if (notBefore >= caNotAfter)
        {
            return new SigningWindow(notBefore, notAfter, $"the signer has expired: NotAfter={GoTime(caNotAfter)}");
        }
        if (now >= caNotAfter)
        {
            return new SigningWindow(
                notBefore,
                notAfter,
                $"refusing to sign a certificate that expired in the past: NotAfter={GoTime(caNotAfter)}"
            );
        }
        return new SigningWindow(notBefore, notAfter, null);
    }

    private static string GoTime(DateTimeOffset time) => $"{time.UtcDateTime:yyyy-MM-dd HH:mm:ss} +0000 UTC";
}
