using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Group 4: peak memory (maximum resident set size, from GNU time) of one run of each CLI command that works
/// on files, on a standard RSA-2048 set.</summary>
public static class PeakRssBench
{
    private const long LimitKiB = 40 * 1024;

    public static void Measure(BenchRun bench)
    {
        bench.Notes.Add($"- Load average when the peak-RSS runs started: {Layout.LoadAverage()}");
        var d = bench.Fresh();
        var config = bench.ConfigOf(KeyAlgorithm.Rsa2048);
        var root = Path.GetDirectoryName(d.Pki)!;
        var commands = new (string Name, string[] Args)[]
        {
            ("--version", ["--version"]),
            ("init (RSA-2048: full PKI + sa + 5 kubeconfigs)", bench.InitArgs(KeyAlgorithm.Rsa2048, d)),
            (
                "certs check-expiration",
                ["certs", "check-expiration", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config]
            ),
            (
                "certs renew all (RSA-2048)",
                ["certs", "renew", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config]
            ),
            (
                "certs generate-csr",
                [
                    "certs",
                    "generate-csr",
                    "--cert-dir",
                    Path.Combine(root, "csr-pki"),
                    "--kubeconfig-dir",
                    Path.Combine(root, "csr-kc"),
                    "--config",
                    config,
                ]
            ),
            (
                "kubeconfig user",
                ["kubeconfig", "user", "--client-name", "alice", "--cert-dir", d.Pki, "--config", config]
            ),
            ("config print init-defaults", ["config", "print", "init-defaults"]),
        };
        foreach (var (name, args) in commands)
        {
            var kib = Run.PeakRssKiB(bench.CliFile, bench.Cli(args));
            var verdict = kib <= LimitKiB ? "≤ 40 MiB ✔ met" : "≤ 40 MiB ✘ missed";
            Console.WriteLine($"  peak RSS kubepki {name}: {kib / 1024.0:F1} MiB");
            bench.Rows.Add(
                $"| Peak RSS, {bench.CliName}: `kubepki {name}` | {kib / 1024.0:F1} MiB |  |  |  | {verdict} |"
            );
        }
        BenchRun.Drop(d);
    }
}
