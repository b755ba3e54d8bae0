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
            // The RSA full PKI against the time its keys alone take on all cores with nothing else to do: keys ×
            // the mean single-thread key time ÷ cores.
            var floor = new Samples("rsa floor");
            floor.Add(rsa.Mean * keys / Environment.ProcessorCount);
            bench.Rows.Add(
                BenchRun.Row(
                    "Full PKI + sa + 5 kubeconfigs, RSA-2048, kubepki CLI (`kubepki init`) vs its key-generation floor",
                    init,
                    $"{keys} keys × mean RSA-2048 key time ÷ {Environment.ProcessorCount} cores",
                    floor,
                    1.15
                )
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
