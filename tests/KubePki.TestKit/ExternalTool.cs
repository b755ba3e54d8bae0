using System.Diagnostics;

namespace KubePki.TestKit;

/// <summary>Runs an external program (openssl, kubectl, etcdctl) and captures its output.</summary>
public static class ExternalTool
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string All => Out + Error;
    }

    /// <summary>Runs <paramref name="file"/> with a bounded wait (60 s unless told), stdin closed; a run past the
    /// wait is killed with its process tree.</summary>
    public static Result Run(
        string file,
        IEnumerable<string> args,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null
    )
    {
        var argList = args.ToList();
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
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
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new TimeoutException($"{file} {string.Join(' ', argList)} did not finish in time");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Openssl(params string[] args) => Run("openssl", args);

    /// <summary>Runs openssl, requires exit code 0 (else fails with the whole output) and returns its
    /// stdout.</summary>
    public static string OpensslOk(params string[] args)
    {
        var result = Openssl(args);
        return result.ExitCode == 0
            ? result.Out
            : throw new InvalidOperationException(
                $"openssl {string.Join(' ', args)} failed ({result.ExitCode}): {result.All}"
            );
    }

    /// <summary>A new P-256 key and a self-signed server certificate for it, made by openssl (a TLS endpoint's
    /// files, as an operator would make them); <paramref name="subjectAltName"/> as openssl's -addext takes
    /// it.</summary>
    public static void OpensslSelfSigned(
        string keyPath,
        string certPath,
        string commonName,
        int days,
        string? subjectAltName = null
    )
    {
        string[] args =
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            keyPath,
            "-out",
            certPath,
            "-days",
            days.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-subj",
            "/CN=" + commonName,
        ];
        OpensslOk(subjectAltName is null ? args : [.. args, "-addext", "subjectAltName=" + subjectAltName]);
    }
}
