using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Runs before the measurements (not counted): page cache for the dotnet host, the CLI's assemblies and
/// openssl, JIT for the in-process runs; and the check that every CLI form makes exactly the script's files.</summary>
public static class WarmUp
{
    public static void CheckSameFiles(BenchRun bench)
    {
        foreach (var algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 })
        {
            var s = bench.Fresh();
            Run.Process(
                "bash",
                bench.PkiScript,
                s.Pki,
                s.Kubeconfig,
                BenchRun.ScriptAlgorithm(algorithm),
                BenchRun.NodeName,
                BenchRun.Address
            );
            var one = bench.Fresh();
            Run.Process(bench.CliFile, bench.Cli(bench.InitArgs(algorithm, one)));
            Layout.CheckSameSet(one, s, algorithm);
            var two = bench.Fresh();
            Run.Process(bench.CliFile, bench.Cli(bench.CertsArgs(algorithm, two)));
            Run.Process(bench.CliFile, bench.Cli(bench.KubeconfigArgs(algorithm, two)));
            Layout.CheckSameSet(two, s, algorithm);
            var p = bench.Fresh();
            Run.InProcess(bench.InitArgs(algorithm, p));
            Layout.CheckSameSet(p, s, algorithm);
            foreach (var d in new[] { s, one, two, p })
            {
                BenchRun.Drop(d);
            }
        }
    }
}
