using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary><c>openssl verify</c> over many certificates in one run, with each file's verdict and error
/// lines.</summary>
public static class OpensslVerify
{
    public sealed record Verdict(bool Ok, string Messages);

    /// <summary>Verifies <paramref name="certs"/> against <paramref name="caFile"/> (optionally for a purpose, at a
    /// Unix time, x509_strict) and returns one verdict per file.</summary>
    public static IReadOnlyDictionary<string, Verdict> Run(
        string caFile,
        IReadOnlyList<string> certs,
        string? purpose = null,
        long? atUnixSeconds = null,
        bool strict = true,
        bool noCheckTime = false
    )
    {
        var args = new List<string> { "verify" };
        if (strict)
        {
            args.Add("-x509_strict");
        }
        if (atUnixSeconds is { } at)
        {
            args.AddRange(["-attime", at.ToString()]);
        }
        if (noCheckTime)
        {
            args.Add("-no_check_time");
        }
        if (purpose is not null)
        {
            args.AddRange(["-purpose", purpose]);
        }
        args.AddRange(["-CAfile", caFile]);
        args.AddRange(certs);
        var result = ExternalTool.Openssl([.. args]);

        // stdout: "<file>: OK" per good file; stderr: each failure's error lines, then "error <file>: verification
        // failed".
        var verdicts = new Dictionary<string, Verdict>();
        foreach (var line in result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (certs.FirstOrDefault(c => line == $"{c}: OK") is { } ok)
            {
                verdicts[ok] = new Verdict(true, "");
            }
        }
        var pending = new List<string>();
        foreach (var line in result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (certs.FirstOrDefault(c => line == $"error {c}: verification failed") is { } failed)
            {
                verdicts[failed] = new Verdict(false, string.Join("\n", pending));
                pending.Clear();
            }
            else
            {
                pending.Add(line);
            }
        }
        foreach (var cert in certs)
        {
            Assert.True(verdicts.ContainsKey(cert), $"openssl verify gave no verdict for {cert}:\n{result.All}");
        }
        Assert.Equal(verdicts.Values.All(v => v.Ok) ? 0 : 2, result.ExitCode);
        return verdicts;
    }
}
