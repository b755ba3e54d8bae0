using KubePki.Bench;

// KubePki benchmark: the kubepki CLI against openssl shell scripts making / reading the same files, in the same run.
// Usage: dotnet run -c Release --project bench/KubePki.Bench [-- --runs N] [--no-write] [--results PATH] [--bin PATH]
//        [--exporter-only]
// --bin (or KUBEPKI_BIN) measures that kubepki executable (the NativeAOT binary of scripts/publish.sh) instead of
// `dotnet kubepki.dll`.
var runs = 7;
var write = true;
var exporterOnly = false;
string? resultsPath = null;
var bin = Environment.GetEnvironmentVariable("KUBEPKI_BIN") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n >= 1:
            runs = n;
            i++;
            break;
        case "--no-write":
            write = false;
            break;
        case "--exporter-only":
            exporterOnly = true;
            break;
        case "--results" when i + 1 < args.Length:
            resultsPath = args[++i];
            break;
        case "--bin" when i + 1 < args.Length:
            bin = args[++i];
            break;
        default:
            Console.Error.WriteLine(
                "usage: KubePki.Bench [--runs N (default 7)] [--no-write] [--results PATH (default bench/RESULTS.md)]"
                    + " [--bin PATH (a kubepki executable; default: dotnet kubepki.dll)] [--exporter-only]"
            );
            return 2;
    }
}

var benchDir = Layout.FindBenchDir();
var cliDll = Path.Combine(AppContext.BaseDirectory, "kubepki.dll");
if (!File.Exists(cliDll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "kubepki.runtimeconfig.json")))
{
    Console.Error.WriteLine(
        $"kubepki.dll with its runtimeconfig not found next to the benchmark ({AppContext.BaseDirectory})"
    );
    return 1;
}
bin = bin is null ? null : Path.GetFullPath(bin);
if (bin is not null && !File.Exists(bin))
{
    Console.Error.WriteLine($"--bin {bin}: no such file");
    return 1;
}
resultsPath ??= Path.Combine(benchDir, "RESULTS.md");

var temp = Directory.CreateTempSubdirectory("kubepki-bench-");
Console.CancelKeyPress += (_, _) => Layout.Delete(temp.FullName);
try
{
    var bench = new BenchRun(runs, benchDir, cliDll, bin, temp.FullName);
    if (exporterOnly)
    {
        // Seconds, not minutes: printed, not written.
        ExporterScrapeBench.Measure(bench);
        return 0;
    }
    var loadBefore = Layout.LoadAverage();
    var started = DateTimeOffset.UtcNow;
    Console.WriteLine(
        $"kubepki benchmark: {runs} runs per contender, {Environment.ProcessorCount} cores, load average {loadBefore}"
    );
    Console.WriteLine(
        bin is null ? $"CLI: dotnet {Path.GetRelativePath(Path.GetDirectoryName(benchDir)!, cliDll)}" : $"CLI: {bin}"
    );

    WarmUp.CheckSameFiles(bench);
    FullPkiBench.Measure(bench);
    CheckExpirationBench.Measure(bench);
    RenewBench.Measure(bench);
    PeakRssBench.Measure(bench);
    ExporterScrapeBench.Measure(bench);

    var text = ResultsReport.Render(bench, started, loadBefore);
    Console.WriteLine();
    Console.Write(text);
    if (write)
    {
        File.WriteAllText(resultsPath, text);
        Console.WriteLine();
        Console.WriteLine($"written to {Path.GetRelativePath(Directory.GetCurrentDirectory(), resultsPath)}");
    }
    return 0;
}
finally
{
    Layout.Delete(temp.FullName);
}
