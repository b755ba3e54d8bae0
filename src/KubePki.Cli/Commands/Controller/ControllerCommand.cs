using System.CommandLine;
using k8s;
using KubePki.Controller.Runtime;
using KubePki.Controller.Signing;
using Microsoft.Extensions.Logging;

namespace KubePki.Cli.Commands.Controller;

/// <summary><c>kubepki controller</c>: kube-controller-manager's csrsigning controller plus a validating
/// kubelet-serving approver, against the API server named by --kubeconfig (or the in-cluster service
/// account).</summary>
public static class ControllerCommand
{
    public static Command Create(CliEnvironment env)
    {
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "Path to a kubeconfig. Only required if out-of-cluster.",
        };
        var sharedCert = new Option<string?>("--cluster-signing-cert-file")
        {
            Description =
                "Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates.",
        };
        var sharedKey = new Option<string?>("--cluster-signing-key-file")
        {
            Description =
                "Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped certificates.",
        };
        var perSigner = SigningFiles.FlagPrefixes.ToDictionary(
            p => p.Key,
            p =>
                (
                    Cert: new Option<string?>($"{p.Value}-cert-file")
                    {
                        Description = $"CA certificate for the {p.Key} signer.",
                    },
                    Key: new Option<string?>($"{p.Value}-key-file") { Description = $"CA key for the {p.Key} signer." }
                )
        );
        var duration = new Option<string>("--cluster-signing-duration")
        {
            Description = "The max length of duration signed certificates will be given.",
            DefaultValueFactory = _ => "8760h0m0s",
        };
        var approve = new Option<bool>("--approve-kubelet-serving")
        {
            Description =
                "Approve kubernetes.io/kubelet-serving CSRs whose requester, subject, usages and every SAN match "
                + "the requesting Node; deny the rest.",
        };
        var approver = new ApproverFlags();
        var noDeny = new Option<bool>("--no-deny")
        {
            Description = "Leave CSRs that fail a check pending instead of denying them.",
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Number of CSRs processed concurrently.",
            DefaultValueFactory = _ => 5,
        };
        var resync = new Option<string>("--resync-period")
        {
            Description = "How often every known CSR is reconsidered.",
            DefaultValueFactory = _ => "5m0s",
        };
        var leaderElect = new Option<bool>("--leader-elect")
        {
            Description = "Take a coordination.k8s.io Lease before acting, so only one replica works at a time.",
            DefaultValueFactory = _ => true,
        };
        var leaseNamespace = new Option<string>("--leader-elect-resource-namespace")
        {
            Description = "Namespace of the leader-election Lease.",
            DefaultValueFactory = _ => "kube-system",
        };
        var leaseName = new Option<string>("--leader-elect-resource-name")
        {
            Description = "Name of the leader-election Lease.",
            DefaultValueFactory = _ => "kubepki-controller",
        };
        var metrics = new Option<string>("--metrics-bind-address")
        {
            Description = "host:port for /healthz, /readyz and /metrics; \"0\" disables.",
            DefaultValueFactory = _ => ":8080",
        };
        var command = new Command(
            "controller",
            "Run the CSR signer and kubelet-serving approver as a Kubernetes controller."
        );
        foreach (
            var option in (Option[])
                [
                    kubeconfig,
                    sharedCert,
                    sharedKey,
                    duration,
                    approve,
                    .. approver.All,
                    noDeny,
                    workers,
                    resync,
                    leaderElect,
                    leaseNamespace,
                    leaseName,
                    metrics,
                ]
        )
        {
            command.Options.Add(option);
        }
        foreach (var (cert, key) in perSigner.Values)
        {
            command.Options.Add(cert);
            command.Options.Add(key);
        }
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        ControllerOptions options;
                        IKubernetes client;
                        var files = SigningFiles.Resolve(
                            result.GetValue(sharedCert),
                            result.GetValue(sharedKey),
                            perSigner.ToDictionary(
                                p => p.Key,
                                p => (result.GetValue(p.Value.Cert), result.GetValue(p.Value.Key))
                            )
                        );
                        if (files.Count == 0 && !result.GetValue(approve))
                        {
                            throw new KubePkiException(
                                "nothing to do: give --cluster-signing-cert-file/--cluster-signing-key-file (or "
                                    + "per-signer files) and/or --approve-kubelet-serving"
                            );
                        }
                        options = new ControllerOptions
                        {
                            Signers = files.ToDictionary(
                                f => f.Key,
                                ISigningAuthoritySource (f) => new CaFileSource(f.Value.Cert, f.Value.Key)
                            ),
                            ClusterSigningDuration = DurationFlag.ReadPositive(
                                result.GetValue(duration)!,
                                "--cluster-signing-duration"
                            ),
                            ApproveKubeletServing = result.GetValue(approve),
                            Approver = approver.Read(result),
                            ServiceNetworks = approver.ReadServiceNetworks(result),
                            ClusterDomain = approver.ReadClusterDomain(result),
                            NoDeny = result.GetValue(noDeny),
                            Workers = result.GetValue(workers) is var w and > 0
                                ? w
                                : throw new KubePkiException("--workers must be at least 1"),
                            ResyncPeriod = DurationFlag.ReadPositive(result.GetValue(resync)!, "--resync-period"),
                            LeaderElect = result.GetValue(leaderElect),
                            LeaseNamespace = result.GetValue(leaseNamespace)!,
                            LeaseName = result.GetValue(leaseName)!,
                            MetricsBindAddress = result.GetValue(metrics),
                        };
                        client = KubeClientFactory.Create(result.GetValue(kubeconfig));
                        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
                        env.Out.WriteLine(
                            $"[controller] signing for [{string.Join(' ', options.Signers.Keys)}]; approving "
                                + $"kubelet-serving: {options.ApproveKubeletServing}; "
                                + $"leader election: {options.LeaderElect}"
                        );
                        await new ControllerHost(client, options, loggers, env.Time).RunAsync(cancellationToken);
                        env.Out.WriteLine("[controller] stopped");
                        return 0;
                    }
                )
        );
        return command;
    }
}
