using System.Globalization;
using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Group 3: <c>certs renew all</c> (CLI and in process), next to the key generation floor measured in
/// between the renewals.</summary>
public static class RenewBench
{
    public static void Measure(BenchRun bench)
    {
        var floors = new Dictionary<KeyAlgorithm, Samples>();
        foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
        {
            floors[algorithm] = MeasureAlgorithm(bench, algorithm);
        }
        var rsa = floors[KeyAlgorithm.Rsa2048];
        var ecdsa = floors[KeyAlgorithm.EcdsaP256];
        bench.Rows.Add(
            BenchRun.Row(
                "Key generation floor RSA-2048: `KeyGenerator.Generate` (makes the key before returning), in-process, "
                    + $"1 thread, 1 key ({rsa.Count} keys, between the RSA renewals)",
                rsa,
                "",
                null,
                null
            )
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"Key generation floor ECDSA-P256: same as RSA floor ({ecdsa.Count} keys, between the ECDSA renewals)",
                ecdsa,
                "",
                null,
                null
            )
        );
        if (bench.RsaFullPki is var (init, keys))
        {
            // The floor the full-PKI row used before it measured each run's own key CPU, printed for comparison: keys ×
            // the mean single-thread wall time of the keys above ÷ cores.
            var former = rsa.Mean * keys / Environment.ProcessorCount;
            Console.WriteLine(
                $"  RSA-2048 init against {keys} × mean key wall ({Samples.Format(rsa.Mean)} ms, {rsa.Count} keys) "
                    + $"÷ {Environment.ProcessorCount} cores = {Samples.Format(former)} ms: "
                    + $"{(init.Median / former).ToString("F2", CultureInfo.InvariantCulture)}×"
            );
        }
    }

    private static Samples MeasureAlgorithm(BenchRun bench, KeyAlgorithm algorithm)
    {
        var name = algorithm.ToKubeadmName();
        bench.Notes.Add($"- Load average when the renew {name} runs started: {Layout.LoadAverage()}");
        var master = bench.Fresh();
        Run.InProcess(bench.InitArgs(algorithm, master));
        string[] Renew((string Pki, string Kubeconfig) d) =>
            [
                "certs",
                "renew",
                "all",
                "--cert-dir",
                d.Pki,
                "--kubeconfig-dir",
                d.Kubeconfig,
                "--config",
                bench.ConfigOf(algorithm),
            ];
        var items = 0;
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var floor = new Samples("floor");
        // RSA key generation time varies widely (random prime search): more RSA samples per run than one renewal makes.
        var keysPerRun = algorithm == KeyAlgorithm.Rsa2048 ? 5 : 20;
        var contenders = new Action[]
        {
            () =>
            {
                var d = Layout.CopyOf(master, bench.Fresh());
                var (elapsed, output) = Run.Process(bench.CliFile, bench.Cli(Renew(d)));
                cli.Add(elapsed);
                items = Layout.CountRenewed(output);
                BenchRun.Drop(d);
            },
            () =>
            {
                var d = Layout.CopyOf(master, bench.Fresh());
                var (elapsed, output) = Run.InProcess(Renew(d));
                inProcess.Add(elapsed);
                items = Layout.CountRenewed(output);
                BenchRun.Drop(d);
            },
            () =>
            {
                for (var k = 0; k < keysPerRun; k++)
                {
                    floor.Add(Run.Key(algorithm));
                }
            },
        };
        BenchRun.Alternate(bench.Runs, contenders);
        BenchRun.Drop(master);
        Console.WriteLine(
            $"  renew all {name}: {items} items, CLI {cli.Spread} ms, in-process {inProcess.Spread} ms, "
                + $"floor {floor.Spread} ms (load {Layout.LoadAverage()})"
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"`certs renew all`, {name}, {items} items: kubepki CLI (1 process), whole run",
                cli,
                "",
                null,
                null
            )
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"`certs renew all`, {name}: CLI time per renewed item",
                cli.Per(items, "cli/item"),
                $"{name} key generation floor (1 key, 1 thread)",
                floor,
                null
            )
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"`certs renew all`, {name}: in-process time per renewed item",
                inProcess.Per(items, "in-process/item"),
                $"{name} key generation floor",
                floor,
                null
            )
        );
        return floor;
    }
}
