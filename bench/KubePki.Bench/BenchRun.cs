using System.Globalization;
using KubePki.Model;

namespace KubePki.Bench;

/// <summary>What every benchmark group shares: the CLI, the openssl scripts, the per-algorithm kubeadm configs,
/// scratch directories, and the result rows and disturbance notes collected for the report.</summary>
public sealed class BenchRun
{
    public const string NodeName = "bench-node";
    public const string Address = "192.168.0.10";

    private readonly string _temp;
    private readonly string _cliDll;
    private readonly Dictionary<KeyAlgorithm, string> _config = [];
    private int _scratch;

    public BenchRun(int runs, string benchDir, string cliDll, string? bin, string temp)
    {
        Runs = runs;
        _cliDll = cliDll;
        Bin = bin;
        _temp = temp;
        PkiScript = Path.Combine(benchDir, "openssl-pki.sh");
        CheckScript = Path.Combine(benchDir, "openssl-check-expiration.sh");
        foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
        {
            _config[algorithm] = Path.Combine(temp, $"{algorithm.ToKubeadmName()}.yaml");
            File.WriteAllText(
                _config[algorithm],
                $"""
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

                """
            );
        }
    }

    public int Runs { get; }

    /// <summary>A kubepki executable to measure (the NativeAOT binary), or null for
    /// <c>dotnet kubepki.dll</c>.</summary>
    public string? Bin { get; }

    /// <summary>The program that runs the CLI: the binary, or <c>dotnet</c>.</summary>
    public string CliFile => Bin ?? "dotnet";

    /// <summary>How the report names the CLI.</summary>
    public string CliName => Bin is null ? "`dotnet kubepki.dll`" : "the NativeAOT binary";

    /// <summary>The RSA-2048 `kubepki init` samples and how many keys one run makes (for the key-generation floor
    /// rows).</summary>
    public (Samples Init, int Keys)? RsaFullPki { get; set; }

    public string PkiScript { get; }

    public string CheckScript { get; }

    public List<string> Rows { get; } = [];

    public List<string> Notes { get; } = [];

    public string ConfigOf(KeyAlgorithm algorithm) => _config[algorithm];

    /// <summary>A new, not yet created pair of cert and kubeconfig directories.</summary>
    public (string Pki, string Kubeconfig) Fresh()
    {
        var root = Path.Combine(_temp, $"run-{_scratch++}");
        return (Path.Combine(root, "pki"), Path.Combine(root, "kc"));
    }

    public static void Drop((string Pki, string Kubeconfig) dirs) => Layout.Delete(Path.GetDirectoryName(dirs.Pki)!);

    public string[] InitArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        [
            "init",
            "--cert-dir",
            d.Pki,
            "--kubeconfig-dir",
            d.Kubeconfig,
            "--config",
            _config[a],
            "--apiserver-advertise-address",
            Address,
        ];

    public string[] CertsArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        [
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            d.Pki,
            "--config",
            _config[a],
            "--apiserver-advertise-address",
            Address,
        ];

    public string[] KubeconfigArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
        [
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            d.Pki,
            "--kubeconfig-dir",
            d.Kubeconfig,
            "--config",
            _config[a],
            "--apiserver-advertise-address",
            Address,
        ];

    public static string ScriptAlgorithm(KeyAlgorithm a) => a == KeyAlgorithm.Rsa2048 ? "rsa" : "ecdsa";

    /// <summary>Arguments for <see cref="CliFile"/> running the CLI with the given command.</summary>
    public string[] Cli(string[] command) => Bin is null ? [_cliDll, .. command] : command;

    /// <summary>Runs each contender once per run, in rotating order, so that drift hits all of them alike.</summary>
    public static void Alternate(int runs, Action[] contenders, Action<int>? afterRun = null)
    {
        for (var i = 0; i < runs; i++)
        {
            for (var j = 0; j < contenders.Length; j++)
            {
                contenders[(i + j) % contenders.Length]();
            }
            afterRun?.Invoke(i);
        }
    }

    /// <summary>One row of the results table; the verdict compares the ratio of medians with the target
    /// ratio.</summary>
    /// <param name="pairedRatio">The ratio to show and judge instead of the ratio of medians (e.g. the median of
    /// per-run ratios when each run has its own anchor).</param>
    public static string Row(
        string what,
        Samples ours,
        string anchorName,
        Samples? anchor,
        double? target,
        double? pairedRatio = null
    )
    {
        var value = anchor is null || anchor.Count == 0 ? (double?)null : pairedRatio ?? ours.Median / anchor.Median;
        var ratio = value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + "×" : "";
        var limit = target is { } t ? "≤ " + t.ToString("0.00", CultureInfo.InvariantCulture) : "";
        var verdict =
            target is null || value is null ? limit
            : value <= target ? $"{limit} ✔ met"
            : $"{limit} ✘ missed";
        var anchorSpread = anchor is null ? "" : anchor.Spread;
        return $"| {what} | {ours.Spread} | {anchorName} | {anchorSpread} | {ratio} | {verdict} |";
    }
}
