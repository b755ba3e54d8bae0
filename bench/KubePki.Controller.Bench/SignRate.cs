using System.Diagnostics;
using System.Globalization;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Bench;

/// <summary>Single-thread signing rates: the controller's whole CsrSigner.Decide (parse, validate, build, RSA-2048
/// sign,
/// PEM) against an RSA-2048 CA, and openssl's raw RSA-2048 sign/s from <c>openssl speed</c> in the same run.</summary>
public static class SignRate
{
    /// <summary>Signatures per wall-clock second and per second of this process's CPU time (user + system, all
    /// threads). <c>openssl speed</c> divides by its user CPU time, so the CPU figure is the comparable one on a
    /// loaded machine.</summary>
    public readonly record struct Rate(double PerWallSecond, double PerCpuSecond);

    public static Rate InProcess(TimeSpan duration) => Profile(duration).Decide;

    /// <summary>The whole <c>CsrSigner.Decide</c>, and two of its parts alone: parsing the request, and the bare
    /// RSA-2048 PKCS#1 signature over a certificate-sized buffer (the floor).</summary>
    public static (Rate Decide, Rate Parse, Rate RawSignature) Profile(TimeSpan duration)
    {
        var ca = TestCa.Create(DateTimeOffset.UtcNow, rsa: true);
        var signer = new CsrSigner(
            new Dictionary<string, ISigningAuthoritySource>
            {
                [SignerNames.KubeletServing] = new FixedAuthoritySource(ca),
            },
            SigningWindow.DefaultClusterSigningDuration,
            TimeProvider.System
        );
        var csrs = Enumerable
            .Range(0, 16)
            .Select(i => Csrs.Serving(CsrSpec.ForNode($"rate-{i}", $"10.30.0.{i + 1}")).Approved())
            .ToArray();
        var n = 0;
        var decide = Measure(() => Check(signer.Decide(csrs[n++ % csrs.Length])), duration);
        var parse = Measure(
            () => CsrRequestParser.Parse(csrs[n++ % csrs.Length].Request, verifySignature: false),
            duration / 3
        );
        var rsa = (System.Security.Cryptography.RSA)ca.Key!.Key;
        var tbs = new byte[600];
        var raw = Measure(
            () =>
                rsa.SignData(
                    tbs,
                    System.Security.Cryptography.HashAlgorithmName.SHA256,
                    System.Security.Cryptography.RSASignaturePadding.Pkcs1
                ),
            duration / 3
        );
        return (decide, parse, raw);
    }

    // Warmed up first (tiered JIT), then as many operations as fit in the duration.
    private static Rate Measure(Action operation, TimeSpan duration)
    {
        var warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm) < TimeSpan.FromSeconds(0.5))
        {
            operation();
        }
        var count = 0;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            operation();
            count++;
        }
        var wall = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        return new Rate(count / wall.TotalSeconds, count / cpu.TotalSeconds);
    }

    private static void Check(SignDecision decision)
    {
        if (decision.Outcome != SignOutcome.Issue)
        {
            throw new InvalidOperationException($"signing failed: {decision.Detail}");
        }
    }

    /// <summary>The "sign/s" column of the rsa 2048 row of <c>openssl speed -seconds N rsa2048</c>.</summary>
    public static double Openssl(int seconds)
    {
        var result = ExternalTool.Run(
            "openssl",
            ["speed", "-seconds", seconds.ToString(CultureInfo.InvariantCulture), "rsa2048"],
            timeout: TimeSpan.FromMinutes(2)
        );
        var lines = result.Out.Split('\n');
        var header = lines.Last(l => l.Contains("sign/s", StringComparison.Ordinal));
        var row = lines.Last(l => l.TrimStart().StartsWith("rsa 2048 bits", StringComparison.Ordinal));
        var columns = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = row.Trim()["rsa 2048 bits".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return double.Parse(values[Array.IndexOf(columns, "sign/s")], CultureInfo.InvariantCulture);
    }
}
