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

        foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
        {
            MeasureAlgorithm(bench, algorithm);
        }
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

    private static void MeasureAlgorithm(BenchRun bench, KeyAlgorithm algorithm)
    {
        var name = algorithm.ToKubeadmName();
        bench.Notes.Add($"- Load average when the full-PKI {name} runs started: {Layout.LoadAverage()}");
        var init = new Samples("cli init");
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
                init.Add(Run.Process(bench.CliFile, bench.Cli(bench.InitArgs(algorithm, d))).Elapsed);
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
