using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Group 2: <c>certs check-expiration</c> over the standard set (RSA-2048) against one
/// <c>openssl x509 -enddate</c> per certificate.</summary>
public static class CheckExpirationBench
{
    public static void Measure(BenchRun bench)
    {
        bench.Notes.Add($"- Load average when the check-expiration runs started: {Layout.LoadAverage()}");
        var d = bench.Fresh();
        Run.InProcess(bench.InitArgs(KeyAlgorithm.Rsa2048, d));
        string[] check =
        [
            "certs",
            "check-expiration",
            "--cert-dir",
            d.Pki,
            "--kubeconfig-dir",
            d.Kubeconfig,
            "--config",
            bench.ConfigOf(KeyAlgorithm.Rsa2048),
        ];
        var rowsSeen = Run.InProcess(check)
            .Stdout.Split('\n')
            .Count(l => l.Contains(" UTC ", StringComparison.Ordinal));
        var anchorLines = Run.Process("bash", bench.CheckScript, d.Pki, d.Kubeconfig)
            .Stdout.Split('\n')
            .Count(l => l.Contains("notAfter=", StringComparison.Ordinal));
        if (rowsSeen != anchorLines)
        {
            throw new InvalidOperationException(
                $"check-expiration lists {rowsSeen} certificates, the openssl loop reads {anchorLines}"
            );
        }
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var loop = new Samples("openssl");
        var contenders = new Action[]
        {
            () => cli.Add(Run.Process(bench.CliFile, bench.Cli(check)).Elapsed),
            () => loop.Add(Run.Process("bash", bench.CheckScript, d.Pki, d.Kubeconfig).Elapsed),
            () => inProcess.Add(Run.InProcess(check).Elapsed),
        };
        BenchRun.Alternate(Math.Max(bench.Runs, 9), contenders);
        Console.WriteLine(
            $"  check-expiration: CLI {cli.Spread} ms, openssl loop {loop.Spread} ms, "
                + $"in-process {inProcess.Spread} ms"
        );
        bench.Rows.Add(
            BenchRun.Row(
                $"`certs check-expiration`, {rowsSeen} certificates: kubepki CLI (1 process)",
                cli,
                $"openssl-check-expiration.sh ({anchorLines} × `openssl x509 -noout -enddate`)",
                loop,
                0.07
            )
        );
        bench.Rows.Add(
            BenchRun.Row(
                "`certs check-expiration`: in-process `KubePkiCli.Run`",
                inProcess,
                "openssl-check-expiration.sh",
                loop,
                null
            )
        );
        BenchRun.Drop(d);
    }
}
