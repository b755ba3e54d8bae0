using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KubePki.Bench;
using KubePki.Crypto;

// KubePki benchmark: the kubepki CLI against openssl shell scripts making / reading the same files, in the same run.
// Usage: dotnet run -c Release --project bench/KubePki.Bench [-- --runs N] [--no-write] [--results PATH]
if (args.Length > 0 && args[0] == "--as-cli")
{
    // The kubepki CLI with keys made when generated: what the CLI process would cost if KeyGenerator did this itself.
    return KubePki.Cli.KubePkiCli.Run(args[1..], new KubePki.Cli.CliEnvironment(Console.Out, Console.Error, TimeProvider.System, EagerKeyGenerator.Instance));
}

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
            Console.Error.WriteLine("usage: KubePki.Bench [--runs N (default 7)] [--no-write] [--results PATH (default bench/RESULTS.md)]");
            return 2;
    }
}

var benchDir = Layout.FindBenchDir();
var cliDll = Path.Combine(AppContext.BaseDirectory, "KubePki.Cli.dll");
if (!File.Exists(cliDll) || !File.Exists(Path.Combine(AppContext.BaseDirectory, "KubePki.Cli.runtimeconfig.json")))
{
    Console.Error.WriteLine($"KubePki.Cli.dll with its runtimeconfig not found next to the benchmark ({AppContext.BaseDirectory})");
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
    return Bench();
}
finally
{
    Layout.Delete(temp.FullName);
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

    string[] CertsArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        ["init", "phase", "certs", "all", "--cert-dir", d.Pki, "--config", config[a], "--apiserver-advertise-address", Address];
    string[] KubeconfigArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        ["init", "phase", "kubeconfig", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[a], "--apiserver-advertise-address", Address];
    string ScriptAlgorithm(KeyAlgorithm a) => a == KeyAlgorithm.Rsa2048 ? "rsa" : "ecdsa";
    string[] Cli(string[] command) => [cliDll, .. command];
    string[] EagerCli(string[] command) => [Path.Combine(AppContext.BaseDirectory, "KubePki.Bench.dll"), "--as-cli", .. command];

    Console.WriteLine($"kubepki benchmark: {runs} runs per contender, {Environment.ProcessorCount} cores, load average {loadBefore}");
    Console.WriteLine($"CLI: dotnet {Path.GetRelativePath(Path.GetDirectoryName(benchDir)!, cliDll)}");

    // Warm-up (not counted): page cache for the dotnet host, the CLI's assemblies and openssl; JIT for the in-process runs.
    foreach (var algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 })
    {
        var d = Fresh();
        Run.Process("dotnet", Cli(CertsArgs(algorithm, d)));
        Run.Process("dotnet", Cli(KubeconfigArgs(algorithm, d)));
        var s = Fresh();
        Run.Process("bash", pkiScript, s.Pki, s.Kubeconfig, ScriptAlgorithm(algorithm), NodeName, Address);
        Layout.CheckSameSet(d, s, algorithm);
        Drop(d);
        Drop(s);
        var p = Fresh();
        Run.InProcess(CertsArgs(algorithm, p));
        Run.InProcess(KubeconfigArgs(algorithm, p));
        Drop(p);
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
        var certs = new Samples("certs");
        var kubeconfigs = new Samples("kubeconfig");
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var eager = new Samples("in-process eager");
        var eagerCli = new Samples("cli eager");
        var script = new Samples("openssl");
        var contenders = new Action[]
        {
            () =>
            {
                var d = Fresh();
                var a = Run.Process("dotnet", Cli(CertsArgs(algorithm, d))).Elapsed;
                var b = Run.Process("dotnet", Cli(KubeconfigArgs(algorithm, d))).Elapsed;
                certs.Add(a);
                kubeconfigs.Add(b);
                cli.Add(a + b);
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
                inProcess.Add(Run.InProcess(CertsArgs(algorithm, d)).Elapsed + Run.InProcess(KubeconfigArgs(algorithm, d)).Elapsed);
                Drop(d);
            },
            () =>
            {
                var d = Fresh();
                eagerCli.Add(Run.Process("dotnet", EagerCli(CertsArgs(algorithm, d))).Elapsed + Run.Process("dotnet", EagerCli(KubeconfigArgs(algorithm, d))).Elapsed);
                Drop(d);
            },
            () =>
            {
                var d = Fresh();
                eager.Add(Run.InProcess(EagerKeyGenerator.Instance, CertsArgs(algorithm, d)).Elapsed
                    + Run.InProcess(EagerKeyGenerator.Instance, KubeconfigArgs(algorithm, d)).Elapsed);
                Drop(d);
            },
        };
        for (var i = 0; i < runs; i++)
        {
            for (var j = 0; j < contenders.Length; j++)
            {
                contenders[(i + j) % contenders.Length]();
            }
            Console.WriteLine($"  {algorithm.ToKubeadmName()} run {i + 1}/{runs}: CLI {Samples.Format(cli.Last)} ms, openssl script {Samples.Format(script.Last)} ms, in-process {Samples.Format(inProcess.Last)} ms, in-process with keys made at prefetch {Samples.Format(eager.Last)} ms, CLI process with keys made at prefetch {Samples.Format(eagerCli.Last)} ms");
        }
        var name = algorithm.ToKubeadmName();
        var target = algorithm == KeyAlgorithm.Rsa2048 ? "≤ 0.60" : "";
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: kubepki CLI, 2 processes (`init phase certs all` + `init phase kubeconfig all`)", cli, "openssl-pki.sh", script, target));
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: the same 2 CLI processes with keys made when generated (benchmark host: `KubePkiCli.Run` + EagerKeyGenerator)", eagerCli, "openssl-pki.sh", script, target));
        rows.Add(Row($"… of which `init phase certs all` (1 process, 3 CAs + 7 leaves + sa)", certs, "", null, ""));
        rows.Add(Row($"… of which `init phase kubeconfig all` (1 process, 5 kubeconfigs)", kubeconfigs, "", null, ""));
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: in-process `KubePkiCli.Run` (both commands, real KeyGenerator)", inProcess, "openssl-pki.sh", script, ""));
        rows.Add(Row($"Full PKI + sa + 5 kubeconfigs, {name}: in-process, keys made when generated (bench's EagerKeyGenerator = KeyGenerator + first use)", eager, "openssl-pki.sh", script, ""));
    }
    rows.Add(Row("Process start-up: `dotnet KubePki.Cli.dll --version` (host + runtime + command tree, no work)", startup, "", null, ""));

    // 2. check-expiration over the standard set (RSA-2048).
    {
        notes.Add($"- Load average when the check-expiration runs started: {Layout.LoadAverage()}");
        var d = Fresh();
        Run.InProcess(CertsArgs(KeyAlgorithm.Rsa2048, d));
        Run.InProcess(KubeconfigArgs(KeyAlgorithm.Rsa2048, d));
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
    var rsaFloor = new Samples("rsa floor");
    var ecFloor = new Samples("ec floor");
    var rsaGenerateOnly = new Samples("rsa Generate()");
    var ecGenerateOnly = new Samples("ec Generate()");
    foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
    {
        notes.Add($"- Load average when the renew {algorithm.ToKubeadmName()} runs started: {Layout.LoadAverage()}");
        var master = Fresh();
        Run.InProcess(CertsArgs(algorithm, master));
        Run.InProcess(KubeconfigArgs(algorithm, master));
        string[] Renew((string Pki, string Kubeconfig) d) =>
            ["certs", "renew", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", config[algorithm]];
        var items = 0;
        var cli = new Samples("cli");
        var inProcess = new Samples("in-process");
        var eager = new Samples("in-process eager");
        var eagerCli = new Samples("cli eager");
        var contenders = new Action[]
        {
            () =>
            {
                var d = Layout.CopyOf(master, Fresh());
                var (elapsed, output) = Run.Process("dotnet", EagerCli(Renew(d)));
                eagerCli.Add(elapsed);
                items = Layout.CountRenewed(output);
                Drop(d);
            },
            () =>
            {
                var d = Layout.CopyOf(master, Fresh());
                var (elapsed, output) = Run.InProcess(EagerKeyGenerator.Instance, Renew(d));
                eager.Add(elapsed);
                items = Layout.CountRenewed(output);
                Drop(d);
            },
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
                for (var k = 0; k < 3; k++)
                {
                    var (generate, made) = Run.Key(KeyAlgorithm.Rsa2048);
                    rsaGenerateOnly.Add(generate);
                    rsaFloor.Add(made);
                }
                for (var k = 0; k < 20; k++)
                {
                    var (generate, made) = Run.Key(KeyAlgorithm.EcdsaP256);
                    ecGenerateOnly.Add(generate);
                    ecFloor.Add(made);
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
        var floor = algorithm == KeyAlgorithm.Rsa2048 ? rsaFloor : ecFloor;
        Console.WriteLine($"  renew all {name}: {items} items, CLI {cli.Spread} ms, in-process {inProcess.Spread} ms, eager {eager.Spread} ms, eager CLI {eagerCli.Spread} ms, floor {floor.Spread} ms");
        rows.Add(Row($"`certs renew all`, {name}, {items} items: kubepki CLI (1 process), whole run", cli, "", null, ""));
        rows.Add(Row($"`certs renew all`, {name}: CLI time per renewed item", cli.Per(items, "cli/item"), $"{name} key generation floor (1 key, 1 thread)", floor, ""));
        rows.Add(Row($"`certs renew all`, {name}: CLI process per item, keys made when generated (benchmark host + EagerKeyGenerator)", eagerCli.Per(items, "cli eager/item"), $"{name} key generation floor", floor, ""));
        rows.Add(Row($"`certs renew all`, {name}: in-process time per renewed item", inProcess.Per(items, "in-process/item"), $"{name} key generation floor", floor, ""));
        rows.Add(Row($"`certs renew all`, {name}: in-process per item, keys made when generated (EagerKeyGenerator)", eager.Per(items, "eager/item"), $"{name} key generation floor", floor, ""));
    }
    rows.Add(Row("Key generation floor RSA-2048: `KeyGenerator.Generate` + first use (public-key export), in-process, 1 thread, 1 key", rsaFloor, "", null, ""));
    rows.Add(Row("… `KeyGenerator.Generate(RSA-2048)` call alone (returns before the key exists: .NET makes RSA keys on first use)", rsaGenerateOnly, "", null, ""));
    rows.Add(Row("Key generation floor ECDSA-P256: same as RSA floor", ecFloor, "", null, ""));
    rows.Add(Row("… `KeyGenerator.Generate(ECDSA-P256)` call alone", ecGenerateOnly, "", null, ""));

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
    report.AppendLine("- kubepki CLI = the Release build run as `dotnet KubePki.Cli.dll ...` (the copy the project reference puts next to the benchmark), one new process per command, timed from process start to exit; the two-process figure is the sum of `init phase certs all` and `init phase kubeconfig all` of the same run. Inputs: a v1beta4 `--config` (node name, advertise address, `encryptionAlgorithm`) plus `--apiserver-advertise-address`.");
    report.AppendLine("- In-process = `KubePkiCli.Run(args, env)` in the benchmark process with the real `KeyGenerator` (JIT already warm), output discarded.");
    report.AppendLine("- `bench/openssl-pki.sh` makes the same files (checked: same file names, same PEM key types) with the openssl CLI as a plain script would: sequentially, one key after another (`genrsa -traditional` / `ecparam -genkey`, `req -x509` for CAs, `req -new | x509 -req` with kubeadm's subjects, SANs, key usages and EKUs for leaves, sa key pair, five kubeconfigs with the CA and client cert/key embedded via `base64 -w0`). kubepki generates the independent keys of a command in parallel on all cores.");
    report.AppendLine("- `bench/openssl-check-expiration.sh` runs `openssl x509 -noout -enddate` once per certificate that `check-expiration` lists (3 CAs, 7 leaves, the client certs embedded in admin/super-admin/controller-manager/scheduler.conf, decoded from `client-certificate-data` first; kubelet.conf is not listed by kubeadm, so the set is 14 files).");
    report.AppendLine("- Renewal runs on a fresh copy of a standard set each time (copy not timed); per item = whole `renew all` time ÷ items renewed (includes process start-up, backup, verification, lock). The key generation floor is the library's `KeyGenerator.Generate` on one thread, measured between the renewals of the same run; kubepki prefetches the renewal keys on all cores, so per-item times can go below the single-thread floor.");
    report.AppendLine("- \"Keys made when generated\" rows: the same commands with the benchmark's `EagerKeyGenerator` (the library's `KeyGenerator` plus one public-key export before returning), in-process and as a CLI process hosted by the benchmark (`dotnet KubePki.Bench.dll --as-cli ...` = `KubePkiCli.Run` with that generator). .NET's `RSA.Create(2048)` on Linux makes the key on first use (see the \"call alone\" row), so the product's `PrefetchingKeyGenerator` returns un-made RSA keys from the thread pool and every RSA key is then made on the signing thread, one after another; these rows show what a fix in `KeyGenerator` would give.");
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
