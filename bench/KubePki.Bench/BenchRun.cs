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

    public BenchRun(int runs, string benchDir, string cliDll, string temp)
    {
        Runs = runs;
        _cliDll = cliDll;
        _temp = temp;
        PkiScript = Path.Combine(benchDir, "openssl-pki.sh");
        CheckScript = Path.Combine(benchDir, "openssl-check-expiration.sh");
        foreach (var algorithm in new[] { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 })
        {
            _config[algorithm] = Path.Combine(temp, $"{algorithm.ToKubeadmName()}.yaml");
            File.WriteAllText(_config[algorithm], $"""
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
    }

    public int Runs { get; }

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

    public static void Drop((string Pki, string Kubeconfig) dirs) =>
        Layout.Delete(Path.GetDirectoryName(dirs.Pki)!);

    public string[] InitArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
    [
        "init", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig, "--config", _config[a],
        "--apiserver-advertise-address", Address,
    ];

    public string[] CertsArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
    [
        "init", "phase", "certs", "all", "--cert-dir", d.Pki, "--config", _config[a],
        "--apiserver-advertise-address", Address,
    ];

    public string[] KubeconfigArgs(KeyAlgorithm a, (string Pki, string Kubeconfig) d) =>
    [
        "init", "phase", "kubeconfig", "all", "--cert-dir", d.Pki, "--kubeconfig-dir", d.Kubeconfig,
        "--config", _config[a], "--apiserver-advertise-address", Address,
    ];

    public static string ScriptAlgorithm(KeyAlgorithm a) => a == KeyAlgorithm.Rsa2048 ? "rsa" : "ecdsa";

    /// <summary>Arguments for <c>dotnet</c> running the CLI with the given command.</summary>
    public string[] Cli(string[] command) => [_cliDll, .. command];

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
    /// (≤ 0.6).</summary>
    public static string Row(string what, Samples ours, string anchorName, Samples? anchor, string target)
    {
        var ratio = anchor is null || anchor.Count == 0
            ? ""
            : (ours.Median / anchor.Median).ToString("F2", CultureInfo.InvariantCulture) + "×";
        var verdict = target.Length == 0 || anchor is null ? target
            : ours.Median / anchor.Median <= 0.6 ? $"{target} ✔ met" : $"{target} ✘ missed";
        var anchorSpread = anchor is null ? "" : anchor.Spread;
        return $"| {what} | {ours.Spread} | {anchorName} | {anchorSpread} | {ratio} | {verdict} |";
    }
}
