using System.Globalization;
using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Group 1: process start-up, and the full PKI + sa + 5 kubeconfigs made by the CLI (one process and two),
/// in process, and by the openssl script.</summary>
public static class FullPkiBench
{
    public static void Measure(BenchRun bench)
    {
        // Process start-up: the CLI's start-up (dotnet host and runtime, or the native binary) and command tree.
        var startup = new Samples("startup");
        for (var i = 0; i < Math.Max(bench.Runs, 7); i++)
        {
            startup.Add(Run.Process(bench.CliFile, bench.Cli(["--version"])).Elapsed);
        }
        Console.WriteLine($"process start-up (--version): {startup.Spread} ms");

        var rsa = MeasureAlgorithm(bench, KeyAlgorithm.Rsa2048);
        var ecdsa = MeasureAlgorithm(bench, KeyAlgorithm.EcdsaP256);
        bench.Rows.Add(KeyGenerationFloorRow(bench, rsa, ecdsa));
        bench.Rows.Add(
            BenchRun.Row(
                $"Process start-up: {bench.CliName} `--version` (start-up + command tree, no work)",
                startup,
                "",
                null,
                null
            )
        );
    }

    /// <summary>The `kubepki init` runs of one algorithm: wall time and the CPU time the process used, run by
    /// run.</summary>
    private sealed record InitRuns(Samples Wall, Samples Cpu);

    private static InitRuns MeasureAlgorithm(BenchRun bench, KeyAlgorithm algorithm)
    {
        var name = algorithm.ToKubeadmName();
        bench.Notes.Add($"- Load average when the full-PKI {name} runs started: {Layout.LoadAverage()}");
        var init = new Samples("cli init");
        var initCpu = new Samples("cli init cpu");
        var certs = new Samples("certs");
        var kubeconfigs = new Samples("kubeconfig");
        var phases = new Samples("cli phases");
        var inProcess = new Samples("in-process init");
        var script = new Samples("openssl");
        var contenders = new Action[]
        {
            () =>
            {
                var d = bench.Fresh();
                var (elapsed, cpu) = Run.ProcessCpu(bench.CliFile, bench.Cli(bench.InitArgs(algorithm, d)));
                init.Add(elapsed);
                initCpu.Add(cpu);
                BenchRun.Drop(d);
            },
            () =>
            {
                var d = bench.Fresh();
                script.Add(
                    Run.Process(
                        "bash",
                        bench.PkiScript,
                        d.Pki,
                        d.Kubeconfig,
                        BenchRun.ScriptAlgorithm(algorithm),
                        BenchRun.NodeName,
                        BenchRun.Address
                    ).Elapsed
                );
                BenchRun.Drop(d);
            },
            () =>
            {
                var d = bench.Fresh();
                var a = Run.Process(bench.CliFile, bench.Cli(bench.CertsArgs(algorithm, d))).Elapsed;
                var b = Run.Process(bench.CliFile, bench.Cli(bench.KubeconfigArgs(algorithm, d))).Elapsed;
                certs.Add(a);
                kubeconfigs.Add(b);
                phases.Add(a + b);
                BenchRun.Drop(d);
            },
            () =>
            {
                var d = bench.Fresh();
                inProcess.Add(Run.InProcess(bench.InitArgs(algorithm, d)).Elapsed);
                BenchRun.Drop(d);
            },
        };
        BenchRun.Alternate(
            bench.Runs,
            contenders,
            i =>
                Console.WriteLine(
                    $"  {name} run {i + 1}/{bench.Runs}: CLI init {Samples.Format(init.Last)} ms, "
                        + $"openssl script {Samples.Format(script.Last)} ms, "
                        + $"CLI init phase certs + kubeconfig {Samples.Format(phases.Last)} ms, "
                        + $"in-process init {Samples.Format(inProcess.Last)} ms (load {Layout.LoadAverage()})"
                )
        );

        var target = algorithm == KeyAlgorithm.EcdsaP256 ? 0.10 : (double?)null;
        if (algorithm == KeyAlgorithm.Rsa2048)
        {
            bench.RsaFullPki = (init, CountKeys(bench, algorithm));
        }
        var what = $"Full PKI + sa + 5 kubeconfigs, {name}";
        bench.Rows.Add(
            BenchRun.Row($"{what}: kubepki CLI, 1 process (`kubepki init`)", init, "openssl-pki.sh", script, target)
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"{what}: kubepki CLI, 2 processes (`init phase certs all` + `init phase kubeconfig all`)",
                phases,
                "openssl-pki.sh",
                script,
                null
            )
        );
        bench.Rows.Add(
            BenchRun.Row("… of which `init phase certs all` (1 process, 3 CAs + 7 leaves + sa)", certs, "", null, null)
        );
        bench.Rows.Add(
            BenchRun.Row(
                "… of which `init phase kubeconfig all` (1 process, 5 kubeconfigs)",
                kubeconfigs,
                "",
                null,
                null
            )
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"{what}: in-process `KubePkiCli.Run` of `init` (no process start-up, warm JIT)",
                inProcess,
                "openssl-pki.sh",
                script,
                null
            )
        );
        return new InitRuns(init, initCpu);
    }

    /// <summary>Each RSA `kubepki init` run against its own key-generation floor: the CPU time its keys took ÷ cores,
    /// the least wall time that spreading them over the cores can reach. A run's key CPU is its CPU time less the
    /// median CPU time of the ECDSA `kubepki init` runs, which do everything else alike (start-up, signing, writing;
    /// their 16 P-256 keys take ~1 ms). RSA signatures cost a few ms of CPU more than ECDSA ones, so the floor may be
    /// that much (÷ cores) too high; a floor of keys × a mean key time measured apart would be off by far more, as RSA
    /// key times vary widely from key to key and so from run to run. Ratio: median of the runs' ratios.</summary>
    private static string KeyGenerationFloorRow(BenchRun bench, InitRuns rsa, InitRuns ecdsa)
    {
        var cores = Environment.ProcessorCount;
        var others = ecdsa.Cpu.Median;
        var floor = new Samples("rsa floor");
        var ratios = new List<double>();
        for (var i = 0; i < rsa.Wall.Count; i++)
        {
            var keys = (rsa.Cpu[i] - others) / cores;
            floor.Add(keys);
            ratios.Add(rsa.Wall[i] / keys);
        }
        var keyCount = bench.RsaFullPki?.Keys ?? 0;
        Console.WriteLine(
            $"  RSA-2048 init key-generation floor (run CPU − {Samples.Format(others)} ms ECDSA init CPU) ÷ {cores} "
                + $"cores: {floor.Spread} ms, per run wall ÷ floor: "
                + string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))
        );
        return BenchRun.Row(
            "Full PKI + sa + 5 kubeconfigs, RSA-2048, kubepki CLI (`kubepki init`) vs its key-generation floor",
            rsa.Wall,
            $"each run's CPU time for its {keyCount} keys ÷ {cores} cores",
            floor,
            1.15,
            Samples.MedianOf(ratios)
        );
    }

    /// <summary>Every key one <c>kubepki init</c> makes: the *.key files (CAs, leaves, sa) plus one per kubeconfig
    /// with an embedded client key.</summary>
    private static int CountKeys(BenchRun bench, KeyAlgorithm algorithm)
    {
        var d = bench.Fresh();
        Run.Process(bench.CliFile, bench.Cli(bench.InitArgs(algorithm, d)));
        var keys =
            Directory.GetFiles(d.Pki, "*.key", SearchOption.AllDirectories).Length
            + Directory
                .GetFiles(d.Kubeconfig, "*.conf")
                .Count(f => File.ReadAllText(f).Contains("client-key-data:", StringComparison.Ordinal));
        BenchRun.Drop(d);
        return keys;
    }
}
