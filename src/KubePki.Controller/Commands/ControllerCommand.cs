using System.CommandLine;
using System.Net;
using k8s;
using KubePki.Configuration;
using KubePki.Controller.Approval;
using KubePki.Controller.Runtime;
using KubePki.Controller.Signing;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Commands;

/// <summary><c>kubepki controller</c>: kube-controller-manager's csrsigning controller plus a validating
/// kubelet-serving approver, against the API server named by --kubeconfig (or the in-cluster service account).
/// Lives beside the controller (not under the CLI's Commands/) so the CLI can register it with one line while the
/// controller's dependencies stay out of the AOT-able CLI core.</summary>
public static class ControllerCommand
{
    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Path to a kubeconfig. Only required if out-of-cluster." };
        var sharedCert = new Option<string?>("--cluster-signing-cert-file") { Description = "Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates." };
        var sharedKey = new Option<string?>("--cluster-signing-key-file") { Description = "Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped certificates." };
        var perSigner = SigningFiles.FlagPrefixes.ToDictionary(p => p.Key, p => (
            Cert: new Option<string?>($"{p.Value}-cert-file") { Description = $"CA certificate for the {p.Key} signer." },
            Key: new Option<string?>($"{p.Value}-key-file") { Description = $"CA key for the {p.Key} signer." }));
        var duration = new Option<string>("--cluster-signing-duration") { Description = "The max length of duration signed certificates will be given.", DefaultValueFactory = _ => "8760h0m0s" };
        var approve = new Option<bool>("--approve-kubelet-serving") { Description = "Approve kubernetes.io/kubelet-serving CSRs whose requester, subject, usages and every SAN match the requesting Node; deny the rest." };
        var dnsPatterns = new Option<string[]>("--allowed-dns-pattern") { Description = "A regular expression for extra DNS SANs; such names must still begin with \"<node-name>.\". Repeatable." };
        var ipRanges = new Option<string?>("--allowed-ip-ranges") { Description = "Comma-separated CIDRs every IP SAN must also fall in." };
        var maxExpiration = new Option<string>("--max-expiration") { Description = "The longest spec.expirationSeconds the approver accepts.", DefaultValueFactory = _ => "8760h0m0s" };
        var noDeny = new Option<bool>("--no-deny") { Description = "Leave CSRs that fail a check pending instead of denying them." };
        var workers = new Option<int>("--workers") { Description = "Number of CSRs processed concurrently.", DefaultValueFactory = _ => 5 };
        var resync = new Option<string>("--resync-period") { Description = "How often every known CSR is reconsidered.", DefaultValueFactory = _ => "5m0s" };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Take a coordination.k8s.io Lease before acting, so only one replica works at a time.", DefaultValueFactory = _ => true };
        var leaseNamespace = new Option<string>("--leader-elect-resource-namespace") { Description = "Namespace of the leader-election Lease.", DefaultValueFactory = _ => "kube-system" };
        var leaseName = new Option<string>("--leader-elect-resource-name") { Description = "Name of the leader-election Lease.", DefaultValueFactory = _ => "kubepki-controller" };
        var metrics = new Option<string>("--metrics-bind-address") { Description = "host:port for /healthz, /readyz and /metrics; \"0\" disables.", DefaultValueFactory = _ => ":8080" };
        var command = new Command("controller", "Run the CSR signer and kubelet-serving approver as a Kubernetes controller.");
        foreach (var option in new Option[] { kubeconfig, sharedCert, sharedKey, duration, approve, dnsPatterns, ipRanges, maxExpiration, noDeny, workers, resync, leaderElect, leaseNamespace, leaseName, metrics })
        {
            command.Options.Add(option);
        }
        foreach (var (cert, key) in perSigner.Values)
        {
            command.Options.Add(cert);
            command.Options.Add(key);
        }
        command.SetAction(async (result, cancellationToken) =>
        {
            ControllerOptions options;
            IKubernetes client;
            try
            {
                var files = SigningFiles.Resolve(result.GetValue(sharedCert), result.GetValue(sharedKey),
                    perSigner.ToDictionary(p => p.Key, p => (result.GetValue(p.Value.Cert), result.GetValue(p.Value.Key))));
                if (files.Count == 0 && !result.GetValue(approve))
                {
                    throw new KubePkiException("nothing to do: give --cluster-signing-cert-file/--cluster-signing-key-file (or per-signer files) and/or --approve-kubelet-serving");
                }
                options = new ControllerOptions
                {
                    Signers = files.ToDictionary(f => f.Key, ISigningAuthoritySource (f) => new CaFileSource(f.Value.Cert, f.Value.Key)),
                    ClusterSigningDuration = Duration(result.GetValue(duration)!, "--cluster-signing-duration"),
                    ApproveKubeletServing = result.GetValue(approve),
                    Approver = new ApproverOptions(
                        (result.GetValue(dnsPatterns) ?? []).Select(Pattern).ToList(),
                        (result.GetValue(ipRanges) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Cidr).ToList(),
                        Duration(result.GetValue(maxExpiration)!, "--max-expiration")),
                    NoDeny = result.GetValue(noDeny),
                    Workers = result.GetValue(workers) is var w and > 0 ? w : throw new KubePkiException("--workers must be at least 1"),
                    ResyncPeriod = Duration(result.GetValue(resync)!, "--resync-period"),
                    LeaderElect = result.GetValue(leaderElect),
                    LeaseNamespace = result.GetValue(leaseNamespace)!,
                    LeaseName = result.GetValue(leaseName)!,
                    MetricsBindAddress = result.GetValue(metrics),
                };
                client = new Kubernetes(result.GetValue(kubeconfig) is { } path
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                    : KubernetesClientConfiguration.InClusterConfig());
            }
            catch (Exception e) when (e is KubePkiException or k8s.Exceptions.KubeConfigException or IOException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
            output.WriteLine($"[controller] signing for [{string.Join(' ', options.Signers.Keys)}]; approving kubelet-serving: {options.ApproveKubeletServing}; leader election: {options.LeaderElect}");
            await new ControllerHost(client, options, loggers, time).RunAsync(cancellationToken);
            output.WriteLine("[controller] stopped");
            return 0;
        });
        return command;
    }

    private static TimeSpan Duration(string text, string flag) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new KubePkiException($"{flag}: \"{text}\" is not a valid positive duration (e.g. 8760h)");

    private static System.Text.RegularExpressions.Regex Pattern(string text)
    {
        try
        {
            return ApproverOptions.Pattern(text);
        }
        catch (ArgumentException e)
        {
            throw new KubePkiException($"--allowed-dns-pattern: \"{text}\" is not a valid regular expression: {e.Message}");
        }
    }

    private static IPNetwork Cidr(string text) =>
        IPNetwork.TryParse(text, out var network) ? network : throw new KubePkiException($"--allowed-ip-ranges: \"{text}\" is not a CIDR");
}
