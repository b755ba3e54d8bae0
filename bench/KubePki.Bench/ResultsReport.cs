using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace KubePki.Bench;

/// <summary>bench/RESULTS.md: the machine, the table of rows the groups collected, how it was measured, and the
/// disturbance notes.</summary>
public static class ResultsReport
{
    private static readonly string[] HowMeasured =
    [
        "- kubepki CLI = the NativeAOT binary of `scripts/publish.sh` when run with `--bin` (the rows say \"the "
            + "NativeAOT binary\"), else the Release build run as `dotnet kubepki.dll ...` (the copy the project "
            + "reference "
            + "puts next to the benchmark); one new process per command, timed from process start to exit. "
            + "The primary full-PKI row "
            + "is `kubepki init --cert-dir D --kubeconfig-dir K` (certs all + kubeconfig all in one process, "
            + "every missing "
            + "key prefetched at once); the two-process row is the sum of `init phase certs all` and `init phase "
            + "kubeconfig all` of the same run (two start-ups, two separate key prefetches). Inputs: a v1beta4 "
            + "`--config` "
            + "(node name, advertise address, `encryptionAlgorithm`) plus `--apiserver-advertise-address`.",
        "- Key-generation floor row: each RSA-2048 `kubepki init` run against the time its own keys take on all "
            + "cores with nothing else to do: the run's CPU time (user + system, from the rusage of the finished "
            + "process) less the median CPU time of the ECDSA-P256 `kubepki init` runs (the same work but for the "
            + "keys), ÷ cores; the ratio is the median of the runs' wall ÷ floor. CPU time, not wall time: other work "
            + "on the cores does not raise the floor, it raises the wall time. Peak RSS rows: one run of each command "
            + "under GNU `time -f %M`.",
        "- In-process = `KubePkiCli.Run(args, env)` in the benchmark process with the real `KeyGenerator` (JIT "
            + "already warm), output discarded.",
        "- `bench/openssl-pki.sh` makes the same files (checked before the runs for `init`, the two phases and the "
            + "in-process `init`: same file names, same PEM key types) with the openssl CLI as a plain script would: "
            + "sequentially, one key after another (`genrsa -traditional` / `ecparam -genkey`, `req -x509` for CAs, "
            + "`req -new | x509 -req` with kubeadm's subjects, SANs, key usages and EKUs for leaves, sa key pair, five "
            + "kubeconfigs with the CA and client cert/key embedded via `base64 -w0`). kubepki's `KeyGenerator` makes "
            + "each key (RSA included) before it returns, and `PrefetchingKeyGenerator` generates the independent keys "
            + "of a command on one thread per core, so they are generated in parallel on all cores.",
        "- `bench/openssl-check-expiration.sh` runs `openssl x509 -noout -enddate` once per certificate that "
            + "`check-expiration` lists (3 CAs, 7 leaves, the client certs embedded in "
            + "admin/super-admin/controller-manager/scheduler.conf, decoded from `client-certificate-data` first; "
            + "kubelet.conf is not listed by kubeadm, so the set is 14 files).",
        "- Renewal runs on a fresh copy of a standard set each time (copy not timed); per item = whole `renew all` "
            + "time ÷ items renewed (includes process start-up, backup, verification, lock). The key generation "
            + "floor is "
            + "the library's `KeyGenerator.Generate` on one thread, measured between the renewals of the same run; "
            + "kubepki prefetches the renewal keys on all cores, so per-item times can go below the "
            + "single-thread floor "
            + "(the parallel floor is the single-thread floor ÷ cores).",
        "- Exporter scrape = `CertificateExporter.Render()` as the /metrics handler calls it, after one scrape that "
            + "parsed every file: each scrape reads every file again, compares its bytes with the cached ones "
            + "(re-parsing "
            + "only a changed file) and renders the text; no HTTP.",
        "- Contenders alternate in rotating order within each run; warm-up runs (not counted) precede the "
            + "measurements; all temp dirs are removed at the end.",
    ];

    public static string Render(BenchRun bench, DateTimeOffset started, string loadBefore)
    {
        var loadAfter = Layout.LoadAverage();
        var openssl = Run.Process("openssl", "version").Stdout.Trim();
        var minutes = (DateTimeOffset.UtcNow - started).TotalMinutes;
        var report = new StringBuilder();
        report.AppendLine("# KubePki benchmark results");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"- Date: {started:yyyy-MM-dd HH:mm} UTC");
        var culture = CultureInfo.InvariantCulture;
        report
            .Append(culture, $"- Machine: {Environment.ProcessorCount} cores ({Layout.CpuModel()}), ")
            .Append(culture, $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ")
            .AppendLine(openssl);
        report
            .Append(culture, $"- Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter} ")
            .AppendLine("(other work may share the cores: compare min and median)");
        report
            .Append("- Reproduce: `dotnet run -c Release --project bench/KubePki.Bench` ")
            .Append(culture, $"(this run: {bench.Runs} runs per contender, alternating order; ")
            .AppendLine(culture, $"check-expiration {Math.Max(bench.Runs, 9)} runs; about {minutes:F0} min)");
        report.AppendLine();
        report.AppendLine(
            "Times are wall-clock milliseconds: min / **median** / max. Ratio = kubepki median ÷ anchor median."
        );
        report.AppendLine();
        report.AppendLine("| Measurement | kubepki (ms) | Anchor | Anchor (ms) | Ratio of medians | Target |");
        report.AppendLine("|---|---:|---|---:|---:|---|");
        foreach (var row in bench.Rows)
        {
            report.AppendLine(row);
        }
        report.AppendLine();
        report.AppendLine("How it was measured:");
        report.AppendLine();
        foreach (var line in HowMeasured)
        {
            report.AppendLine(line);
        }
        report.AppendLine();
        report.AppendLine("Disturbance (other work on the same cores):");
        report.AppendLine();
        foreach (var note in bench.Notes)
        {
            report.AppendLine(note);
        }
        return report.ToString();
    }
}
