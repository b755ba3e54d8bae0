using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Crypto;
using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Wall-clock samples of one contender, in seconds.</summary>
public sealed class Samples(string name)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public int Count => _values.Count;

    public void Add(double seconds) => _values.Add(seconds);

    public void Add(TimeSpan elapsed) => _values.Add(elapsed.TotalSeconds);

    public double Last => _values[^1];

    public double Mean => _values.Average();

    public double Min => _values.Min();

    public double Max => _values.Max();

    public double this[int index] => _values[index];

    public double Median => MedianOf(_values);

    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The same samples divided by <paramref name="divisor"/> (per-item figures).</summary>
    public Samples Per(double divisor, string name)
    {
        var result = new Samples(name);
        foreach (var value in _values)
        {
            result.Add(value / divisor);
        }
        return result;
    }

    public string Spread => Count == 0 ? "—" : $"{Format(Min)} / **{Format(Median)}** / {Format(Max)}";

    /// <summary>Milliseconds, with as many decimals as a value of that size needs.</summary>
    public static string Format(double seconds)
    {
        var ms = seconds * 1000;
        return ms >= 100 ? ms.ToString("N0", CultureInfo.InvariantCulture)
            : ms >= 1 ? ms.ToString("N1", CultureInfo.InvariantCulture)
            : ms.ToString("N3", CultureInfo.InvariantCulture);
    }
}

/// <summary>Runs a contender once and returns its wall time; any failure stops the benchmark with the contender's
/// stderr.</summary>
public static partial class Run
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static (TimeSpan Elapsed, string Stdout) Process(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var watch = Stopwatch.StartNew();
        using var process =
            System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: no exit within {Timeout}");
        }
        process.WaitForExit();
        watch.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)}: exit {process.ExitCode}: {stderr.Result.Trim()}"
            );
        }
        return (watch.Elapsed, stdout.Result);
    }

    /// <summary>Like <see cref="Process"/>, plus the CPU time (user + system) the process used: the growth of this
    /// process's rusage of waited-for children, which the one child run meanwhile is all of (contenders run one at a
    /// time).</summary>
    public static (TimeSpan Elapsed, TimeSpan Cpu) ProcessCpu(string file, params string[] args)
    {
        var before = ChildrenCpu();
        var (elapsed, _) = Process(file, args);
        return (elapsed, ChildrenCpu() - before);
    }

    private static TimeSpan ChildrenCpu()
    {
        if (getrusage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage: errno {Marshal.GetLastPInvokeError()}");
        }
        return TimeSpan.FromMicroseconds(
            (usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds
        );
    }

    private const int RusageChildren = -1;

    // struct rusage on 64-bit Linux: ru_utime and ru_stime (struct timeval: two longs each), then 14 longs.
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrusage(int who, out ResourceUsage usage);

    /// <summary>Maximum resident set size in KiB of one run of <paramref name="file"/>, as GNU time reports
    /// it.</summary>
    public static long PeakRssKiB(string file, params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/time")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-f", "%M", file, .. args])
        {
            info.ArgumentList.Add(arg);
        }
        using var process =
            System.Diagnostics.Process.Start(info)
            ?? throw new InvalidOperationException("could not start /usr/bin/time");
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var lines = stderr.Result.Trim().Split('\n');
        if (process.ExitCode != 0 || !long.TryParse(lines[^1].Trim(), CultureInfo.InvariantCulture, out var kib))
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)}: exit {process.ExitCode}: {stderr.Result.Trim()}"
            );
        }
        return kib;
    }

    /// <summary>The CLI's own entry point in this process, with the real key generator (warm JIT, no process
    /// start).</summary>
    public static (TimeSpan Elapsed, string Stdout) InProcess(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment(output, error, TimeProvider.System, KeyGenerator.Instance);
        var watch = Stopwatch.StartNew();
        var code = KubePkiCli.Run(args, env);
        watch.Stop();
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"kubepki {string.Join(' ', args)} (in-process): exit {code}: {error.ToString().Trim()}"
            );
        }
        return (watch.Elapsed, output.ToString());
    }

    /// <summary>One key from the library's real generator on the calling thread (<c>KeyGenerator.Generate</c> makes the
    /// key material before it returns, RSA included).</summary>
    public static TimeSpan Key(KeyAlgorithm algorithm)
    {
        var watch = Stopwatch.StartNew();
        using var key = KeyGenerator.Instance.Generate(algorithm);
        watch.Stop();
        return watch.Elapsed;
    }
}
