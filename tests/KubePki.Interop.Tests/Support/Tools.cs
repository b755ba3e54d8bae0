using System.Diagnostics;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>Runs external programs with a bounded wait; asserts on failure with the full output in the
/// message.</summary>
public static class Tools
{
    public static ExternalTool.Result Run(
        string file,
        IEnumerable<string> args,
        IDictionary<string, string>? environment = null,
        TimeSpan? timeout = null
    )
    {
        var argList = args.ToList();
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in argList)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new TimeoutException($"{file} {string.Join(' ', argList)} did not finish in time");
        }
        process.WaitForExit();
        return new ExternalTool.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs openssl and requires exit code 0.</summary>
    public static string Openssl(params string[] args)
    {
        var result = Run("openssl", args);
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', args)} failed ({result.ExitCode}): {result.All}");
        return result.Out;
    }
}
