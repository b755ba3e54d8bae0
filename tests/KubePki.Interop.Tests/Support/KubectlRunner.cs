using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>Runs kubectl with a private HOME and cache dir (nothing of the machine's own config is read) and a bounded
/// request timeout.</summary>
public sealed class KubectlRunner : IDisposable
{
    private readonly TempDir _home = new("interop-kubectl-home");

    public ExternalTool.Result Run(string kubeconfig, params string[] args) =>
        ExternalTool.Run(
            "kubectl",
            [
                "--kubeconfig",
                kubeconfig,
                "--cache-dir",
                Path.Combine(_home.Path, "cache"),
                "--request-timeout=10s",
                .. args,
            ],
            environment: new Dictionary<string, string> { ["HOME"] = _home.Path, ["KUBECONFIG"] = "" },
            timeout: TimeSpan.FromSeconds(30)
        );

    /// <summary><c>kubectl get --raw /healthz</c>, which sends <c>GET /version</c> first.</summary>
    public ExternalTool.Result Healthz(string kubeconfig) => Run(kubeconfig, "get", "--raw", "/healthz");

    public void Dispose() => _home.Dispose();
}
