using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KubePki.Bench;
using KubePki.Crypto;

// KubePki benchmark: the kubepki CLI against openssl shell scripts making / reading the same files, in the same run.
// Usage: dotnet run -c Release --project bench/KubePki.Bench [-- --runs N] [--no-write] [--results PATH]
var runs = 7;
var write = true;
var exporterOnly = false;
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
        case "--exporter-only":
            exporterOnly = true;
            break;
        case "--results" when i + 1 < args.Length:
            resultsPath = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: KubePki.Bench [--runs N (default 7)] [--no-write] [--results PATH (default bench/RESULTS.md)] [--exporter-only]");
            return 2;
    }
}

var benchDir = Layout.FindBenchDir();
var cliDll = Path.Combine(AppContext.BaseDirectory, "kubepki.dll");
if (!File.Exists(cliDll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "kubepki.runtimeconfig.json")))
{
    Console.Error.WriteLine($"kubepki.dll with its runtimeconfig not found next to the benchmark ({AppContext.BaseDirectory})");
    return 1;
}
var pkiScript = Path.Combine(benchDir, "openssl-pki.sh");
var checkScript = Path.Combine(benchDir, "openssl-check-expiration.sh");
resultsPath ??= Path.Combine(benchDir, "RESULTS.md");

const string NodeName = "bench-node";
const string Address = "192.168.0.10";
var temp = Directory.CreateTempSubdirectory("kubepki-bench-");
Console.CancelKeyPress += (_, _) => Layout.Delete(temp.FullName);
try
{
    return exporterOnly ? ExporterOnly() : Bench();
}
finally
{
    Layout.Delete(temp.FullName);
}

// Only the exporter scrape (seconds, not minutes), printed and not written.
int ExporterOnly()
{
    var root = Path.Combine(temp.FullName, "exporter");
    Run.InProcess(["init", "--cert-dir", Path.Combine(root, "pki"), "--kubeconfig-dir", root, "--apiserver-advertise-address", Address]);
    var scrape = ExporterScrape.Measure(Path.Combine(root, "pki"), root, Path.Combine(root, "kubelet"), 500);
    Console.WriteLine($"exporter scrape, full kubeadm PKI + kubelet certs (22 certificates + 14 kubeadm rows), in process, {scrape.Count} scrapes: {scrape.Spread} ms (target p50 ≤ 5 ms)");
    return 0;
}

int Bench()
{
    var loadBefore = Layout.LoadAverage();
    var started = DateTimeOffset.UtcNow;
    var rows = new List<string>();
    var notes = new List<string>();
    var config = new Dictionary<KeyAlgorithm, string>();
    foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
    {
        config[algorithm] = Path.Combine(temp.FullName, $"{algorithm.ToKubeadmName()}.yaml");
        File.WriteAllText(config[algorithm], $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {NodeName}
            localAPIEndpoint:
              advertiseAddress: {Address}
              bindPort: 6443
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: {algorithm.ToKubeadmName()}

            """);
    }

    var scratch = 0;
    (string Pki, string Kubeconfig) Fresh()
    {
        var root = Path.Combine(temp.FullName, $"run-{scratch++}");
        return (Path.Combine(root, "pki"), Path.Combine(root, "kc"));
    }
    void Drop((string Pki, string Kubeconfig) dirs) => Layout.Delete(Path.GetDirectoryName(dirs.Pki)!);

    string[] InitArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        ["init", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[a], "--apiserver-advertise-address", Address];
    string[] CertsArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        ["init", "phase", "certs", "all", "--cert-dir", d.Pki, "--config", config[a], "--apiserver-advertise-address", Address];
    string[] KubeconfigArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        ["init", "phase", "kubeconfig", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[a], "--apiserver-advertise-address", Address];
    string ScriptAlgorithm(KeyAlgorithm a) => a == KeyAlgorithm.Rsa2048 ? "rsa" : "ecdsa";
    string[] Cli(string[] command) => [cliDll, .. command];

    Console.WriteLine($"kubepki benchmark: {runs} runs per contender, {Environment.ProcessorCount} cores, load average {loadBefore}");
    Console.WriteLine($"CLI: dotnet {Path.GetRelativePath(Path.GetDirectoryName(benchDir)!, cliDll)}");

    // Warm-up (not counted): page cache for the dotnet host, the CLI's assemblies and openssl; JIT for the in-process runs.
    // Both CLI forms must make exactly the files the openssl script makes.
    foreach (var algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 })
    {
        var s = Fresh();
        Run.Process("bash", pkiScript, s.Pki, s.Kubeconfig, ScriptAlgorithm(algorithm), NodeName, Address);
        var one = Fresh();
        Run.Process("dotnet", Cli(InitArgs(algorithm, one)));
        Layout.CheckSameSet(one, s, algorithm);
        var two = Fresh();
        Run.Process("dotnet", Cli(CertsArgs(algorithm, two)));
        Run.Process("dotnet", Cli(KubeconfigArgs(algorithm, two)));
        Layout.CheckSameSet(two, s, algorithm);
        var p = Fresh();
        Run.InProcess(InitArgs(algorithm, p));
        Layout.CheckSameSet(p, s, algorithm);
        foreach (var d in new[] { s, one, two, p })
        {
            Drop(d);
        }
    }

    // Process start-up: the dotnet host, runtime and the CLI's command tree, no work.
    var startup = new Samples("startup");
    for (var i = 0; i < Math.Max(runs, 7); i++)
    {
        startup.Add(Run.Process("dotnet", cliDll, "--version").Elapsed);
    }
    Console.WriteLine($"process start-up (--version): {startup.Spread} ms");

    // 1. Full PKI + sa + 5 kubeconfigs.
    foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
    {
        notes.Add($"- Load average when the full-PKI {algorithm.ToKubeadmName()} runs started: {Layout.LoadAverage()}");
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
                var d = Fresh();
                init.Add(Run.Process("dotnet", Cli(InitArgs(algorithm, d))).Elapsed);
                Drop(d);
            },
            () =>
            {
                var d = Fresh();
                script.Add(Run.Process("bash", pkiScript, d.Pki, d.Kubeconfig, ScriptAlgorithm(algorithm), NodeName, Address).Elapsed);
                Drop(d);
            },
            () =>
            {
                var d = Fresh();
                var a = Run.Process("dotnet", Cli(CertsArgs(algorithm, d))).Elapsed;
                var b = Run.Process("dotnet", Cli(KubeconfigArgs(algorithm, d))).Elapsed;
                certs.Add(a);
                kubeconfigs.Add(b);
                phases.Add(a + b);
                Drop(d);
            },
            () =>
            {
                var d = Fresh();
                inProcess.Add(Run.InProcess(InitArgs(algorithm, d)).Elapsed);
                Drop(d);
            },
        };
        for (var i = 0; i < runs; i++)
        {
            for (var j = 0; j < contenders.Length; j++)
            {
                contenders[(i + j) % contenders.Length]();
            }
            Console.WriteLine($"  {algorithm.ToKubeadmName()} run {i + 1}/{runs}: CLI init {Samples.Format(init.Last)} ms, openssl script {Samples.Format(script.Last)} ms, CLI init phase certs + kubeconfig {Samples.Format(phases.Last)} ms, in-process init {Samples.Format(inProcess.Last)} ms (load {Layout.LoadAverage()})");
        }
        var name = algorithm.ToKubeadmName();
        var target = algorithm == KeyAlgorithm.Rsa2048 ? "≤ 0.60" : "";
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: kubepki CLI, 1 process (`kubepki init`)", init, "openssl-pki.sh", script, target));
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: kubepki CLI, 2 processes (`init phase certs all` + `init phase kubeconfig all`)", phases, "openssl-pki.sh", script, ""));
        rows.Add(Row($"… of which `init phase certs all` (1 process, 3 CAs + 7 leaves + sa)", certs, "", null, ""));
        rows.Add(Row($"… of which `init phase kubeconfig all` (1 process, 5 kubeconfigs)", kubeconfigs, "", null, ""));
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: in-process `KubePkiCli.Run` of `init` (no process start-up, warm JIT)", inProcess, "openssl-pki.sh", script, ""));
    }
    rows.Add(Row("Process start-up: `dotnet kubepki.dll --version` (host + runtime + command tree, no work)", startup, "", null, ""));

    // 2. check-expiration over the standard set (RSA-2048).
    {
        notes.Add($"- Load average when the check-expiration runs started: {Layout.LoadAverage()}");
        var d = Fresh();
        Run.InProcess(InitArgs(KeyAlgorithm.Rsa2048, d));
        string[] check = ["certs", "check-expiration", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[KeyAlgorithm.Rsa2048]];
        var rowsSeen = Run.InProcess(check).Stdout.Split('\n').Count(l => l.Contains(" UTC ", StringComparison.Ordinal));
        var anchorLines = Run.Process("bash", checkScript, d.Pki, d.Kubeconfig).Stdout.Split('\n').Count(l => l.Contains("notAfter=", StringComparison.Ordinal));
        if (rowsSeen != anchorLines)
        {
            throw new InvalidOperationException($"check-expiration lists {rowsSeen} certificates, the openssl loop reads {anchorLines}");
        }
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var loop = new Samples("openssl");
        var contenders = new Action[]
        {
            () => cli.Add(Run.Process("dotnet", Cli(check)).Elapsed),
            () => loop.Add(Run.Process("bash", checkScript, d.Pki, d.Kubeconfig).Elapsed),
            () => inProcess.Add(Run.InProcess(check).Elapsed),
        };
        var checkRuns = Math.Max(runs, 9);
        for (var i = 0; i < checkRuns; i++)
        {
            for (var j = 0; j < contenders.Length; j++)
            {
                contenders[(i + j) % contenders.Length]();
            }
        }
        Console.WriteLine($"  check-expiration: CLI {cli.Spread} ms, openssl loop {loop.Spread} ms, in-process {inProcess.Spread} ms");
        rows.Add(Row($"`certs check-expiration`, {rowsSeen} certificates: kubepki CLI (1 process)", cli, $"openssl-check-expiration.sh ({anchorLines} × `openssl x509 -noout -enddate`)", loop, ""));
        rows.Add(Row("`certs check-expiration`: in-process `KubePkiCli.Run`", inProcess, "openssl-check-expiration.sh", loop, ""));
        Drop(d);
    }

    // 3. renew all, next to the key generation floor measured in between.
    var floors = new Dictionary<KeyAlgorithm, Samples>();
    foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
    {
        notes.Add($"- Load average when the renew {algorithm.ToKubeadmName()} runs started: {Layout.LoadAverage()}");
        var master = Fresh();
        Run.InProcess(InitArgs(algorithm, master));
        string[] Renew((string Pki, string Kubeconfig) d) =>
            ["certs", "renew", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[algorithm]];
        var items = 0;
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var floor = floors[algorithm] = new Samples("floor");
        // RSA key generation time varies widely (random prime search): more RSA samples per run than one renewal makes.
        var keysPerRun = algorithm == KeyAlgorithm.Rsa2048 ? 5 : 20;
        var contenders = new Action[]
        {
            () =>
            {
                var d = Layout.CopyOf(master, Fresh());
                var (elapsed, output) = Run.Process("dotnet", Cli(Renew(d)));
                cli.Add(elapsed);
                items = Layout.CountRenewed(output);
                Drop(d);
            },
            () =>
            {
                var d = Layout.CopyOf(master, Fresh());
                var (elapsed, output) = Run.InProcess(Renew(d));
                inProcess.Add(elapsed);
                items = Layout.CountRenewed(output);
                Drop(d);
            },
            () =>
            {
                for (var k = 0; k < keysPerRun; k++)
                {
                    floor.Add(Run.Key(algorithm));
                }
            },
        };
        for (var i = 0; i < runs; i++)
        {
            for (var j = 0; j < contenders.Length; j++)
            {
                contenders[(i + j) % contenders.Length]();
            }
        }
        Drop(master);
        var name = algorithm.ToKubeadmName();
        Console.WriteLine($"  renew all {name}: {items} items, CLI {cli.Spread} ms, in-process {inProcess.Spread} ms, floor {floor.Spread} ms (load {Layout.LoadAverage()})");
        rows.Add(Row($"`certs renew all`, {name}, {items} items: kubepki CLI (1 process), whole run", cli, "", null, ""));
        rows.Add(Row($"`certs renew all`, {name}: CLI time per renewed item", cli.Per(items, "cli/item"), $"{name} key generation floor (1 key, 1 thread)", floor, ""));
        rows.Add(Row($"`certs renew all`, {name}: in-process time per renewed item", inProcess.Per(items, "in-process/item"), $"{name} key generation floor", floor, ""));
    }
    rows.Add(Row($"Key generation floor RSA-2048: `KeyGenerator.Generate` (makes the key before returning), in-process, 1 thread, 1 key ({floors[KeyAlgorithm.Rsa2048].Count} keys, between the RSA renewals)", floors[KeyAlgorithm.Rsa2048], "", null, ""));
    rows.Add(Row($"Key generation floor ECDSA-P256: same as RSA floor ({floors[KeyAlgorithm.EcdsaP256].Count} keys, between the ECDSA renewals)", floors[KeyAlgorithm.EcdsaP256], "", null, ""));

    // 4. Exporter scrape, in process.
    {
        notes.Add($"- Load average when the exporter scrapes started: {Layout.LoadAverage()}");
        var d = Fresh();
        Run.InProcess(InitArgs(KeyAlgorithm.Rsa2048, d));
        var scrape = ExporterScrape.Measure(d.Pki, d.Kubeconfig, Path.Combine(Path.GetDirectoryName(d.Pki)!, "kubelet"), 500);
        Console.WriteLine($"  exporter scrape: {scrape.Spread} ms");
        var met = scrape.Median <= 0.005 ? "≤ 5 ms p50 ✔ met" : "≤ 5 ms p50 ✘ missed";
        rows.Add($"| `kubepki exporter` scrape (collect + render /metrics) of the full kubeadm PKI + 5 kubeconfigs + 2 kubelet certs (22 certificate series, 14 kubeadm rows), in process, {scrape.Count} scrapes | {scrape.Spread} |  |  |  | {met} |");
        Drop(d);
    }

    var loadAfter = Layout.LoadAverage();
    var report = new StringBuilder();
    report.AppendLine("# KubePki benchmark results");
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"- Date: {started:yyyy-MM-dd HH:mm} UTC");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores ({Layout.CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {Run.Process("openssl", "version").Stdout.Trim()}");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter} (other work may share the cores: compare min and median)");
    report.AppendLine(CultureInfo.InvariantCulture, $"- Reproduce: `dotnet run -c Release --project bench/KubePki.Bench` (this run: {runs} runs per contender, alternating order; check-expiration {Math.Max(runs, 9)} runs; about {(DateTimeOffset.UtcNow - started).TotalMinutes:F0} min)");
    report.AppendLine();
    report.AppendLine("Times are wall-clock milliseconds: min / **median** / max. Ratio = kubepki median ÷ anchor median.");
    report.AppendLine();
    report.AppendLine("| Measurement | kubepki (ms) | Anchor | Anchor (ms) | Ratio of medians | Target |");
    report.AppendLine("|---|---:|---|---:|---:|---|");
    foreach (var row in rows)
    {
        report.AppendLine(row);
    }
    report.AppendLine();
    report.AppendLine("How it was measured:");
    report.AppendLine();
    report.AppendLine("- kubepki CLI = the Release build run as `dotnet kubepki.dll ...` (the copy the project reference puts next to the benchmark), one new process per command, timed from process start to exit. The primary full-PKI row is `kubepki init --cert-dir D --kubeconfig-dir K` (certs all + kubeconfig all in one process, every missing key prefetched at once); the two-process row is the sum of `init phase certs all` and `init phase kubeconfig all` of the same run (two start-ups, two separate key prefetches). Inputs: a v1beta4 `--config` (node name, advertise address, `encryptionAlgorithm`) plus `--apiserver-advertise-address`.");
    report.AppendLine("- In-process = `KubePkiCli.Run(args, env)` in the benchmark process with the real `KeyGenerator` (JIT already warm), output discarded.");
    report.AppendLine("- `bench/openssl-pki.sh` makes the same files (checked before the runs for `init`, the two phases and the in-process `init`: same file names, same PEM key types) with the openssl CLI as a plain script would: sequentially, one key after another (`genrsa -traditional` / `ecparam -genkey`, `req -x509` for CAs, `req -new | x509 -req` with kubeadm's subjects, SANs, key usages and EKUs for leaves, sa key pair, five kubeconfigs with the CA and client cert/key embedded via `base64 -w0`). kubepki's `KeyGenerator` makes each key (RSA included) before it returns, and `PrefetchingKeyGenerator` runs the independent keys of a command on the thread pool, so they are generated in parallel on all cores.");
    report.AppendLine("- `bench/openssl-check-expiration.sh` runs `openssl x509 -noout -enddate` once per certificate that `check-expiration` lists (3 CAs, 7 leaves, the client certs embedded in admin/super-admin/controller-manager/scheduler.conf, decoded from `client-certificate-data` first; kubelet.conf is not listed by kubeadm, so the set is 14 files).");
    report.AppendLine("- Renewal runs on a fresh copy of a standard set each time (copy not timed); per item = whole `renew all` time ÷ items renewed (includes process start-up, backup, verification, lock). The key generation floor is the library's `KeyGenerator.Generate` on one thread, measured between the renewals of the same run; kubepki prefetches the renewal keys on all cores, so per-item times can go below the single-thread floor (the parallel floor is the single-thread floor ÷ cores).");
    report.AppendLine("- Exporter scrape = `CertificateExporter.Render()` as the /metrics handler calls it, after one scrape that parsed every file: each scrape reads every file again, compares its bytes with the cached ones (re-parsing only a changed file), and renders the text; no HTTP.");
    report.AppendLine("- Contenders alternate in rotating order within each run; warm-up runs (not counted) precede the measurements; all temp dirs are removed at the end.");
    report.AppendLine();
    report.AppendLine("Disturbance (other work on the same cores):");
    report.AppendLine();
    foreach (var note in notes)
    {
        report.AppendLine(note);
    }

    var text = report.ToString();
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

static string Row(string what, Samples ours, string anchorName, Samples? anchor, string target)
{
    var ratio = anchor is null || anchor.Count == 0 ? "" : (ours.Median / anchor.Median).ToString("F2", CultureInfo.InvariantCulture) + "×";
    var verdict = target.Length == 0 || anchor is null ? target
        : ours.Median / anchor.Median <= 0.6 ? $"{target} ✔ met" : $"{target} ✘ missed";
    return $"| {what} | {ours.Spread} | {anchorName} | {(anchor is null ? "" : anchor.Spread)} | {ratio} | {verdict} |";
}
