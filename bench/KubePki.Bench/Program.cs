using KubePki.Bench;

// KubePki benchmark: the kubepki CLI against openssl shell scripts making / reading the same files, in the same run.
// Usage: dotnet run -c Release --project bench/KubePki.Bench [-- --runs N] [--no-write] [--results PATH]
var runs = 7;
var write = true;
string? resultsPath = null;
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
        case "--results" when i + 1 < args.Length:
            resultsPath = args[++i];
            break;
        default:
            Console.Error.WriteLine(
                "usage: KubePki.Bench [--runs N (default 7)] [--no-write] [--results PATH (default bench/RESULTS.md)]");
            return 2;
    }
}

var benchDir = Layout.FindBenchDir();
var cliDll = Path.Combine(AppContext.BaseDirectory, "kubepki.dll");
if (!File.Exists(cliDll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "kubepki.runtimeconfig.json")))
{
    Console.Error.WriteLine(
        $"kubepki.dll with its runtimeconfig not found next to the benchmark ({AppContext.BaseDirectory})");
    return 1;
}
resultsPath ??= Path.Combine(benchDir, "RESULTS.md");

var temp = Directory.CreateTempSubdirectory("kubepki-bench-");
Console.CancelKeyPress += (_, _) => Layout.Delete(temp.FullName);
try
{
    var bench = new BenchRun(runs, benchDir, cliDll, temp.FullName);
    var loadBefore = Layout.LoadAverage();
    var started = DateTimeOffset.UtcNow;
    Console.WriteLine(
        $"kubepki benchmark: {runs} runs per contender, {Environment.ProcessorCount} cores, load average {loadBefore}");
    Console.WriteLine($"CLI: dotnet {Path.GetRelativePath(Path.GetDirectoryName(benchDir)!, cliDll)}");

    WarmUp.CheckSameFiles(bench);
    FullPkiBench.Measure(bench);
    CheckExpirationBench.Measure(bench);
    RenewBench.Measure(bench);

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
