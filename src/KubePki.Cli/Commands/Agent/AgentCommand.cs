using System.CommandLine;
using KubePki.Agent;
using KubePki.Cli.Commands.Controller;
using KubePki.Cli.Commands.ControlPlane;
using KubePki.ControlPlane;
using KubePki.GoText;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Cli.Commands.Agent;

/// <summary><c>kubepki agent</c>: renews this control-plane node's certificates when due, one node of the cluster at a
/// time (see <see cref="NodeAgent"/>).</summary>
public static class AgentCommand
{
    public static Command Create(CliEnvironment env)
    {
        var nodeName = new Option<string>("--node-name")
        {
            Description = "This node's name as the cluster knows it (in a DaemonSet: spec.nodeName).",
            Required = true,
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "The kubeconfig to reach the API server with (default: the in-cluster service account).",
        };
        var cluster = new ClusterOptions();
        var controlPlane = new ControlPlaneOptions();
        var renewBefore = new Option<string>("--renew-before")
        {
            Description = "Renew when any certificate of this node expires within this duration.",
            DefaultValueFactory = _ => "720h",
        };
        var interval = new Option<string>("--interval")
        {
            Description = "How often the agent looks.",
            DefaultValueFactory = _ => "5m",
        };
        var leaseNamespace = new Option<string>("--lease-namespace")
        {
            Description = "Namespace of the Lease that is the cluster's node slot.",
            DefaultValueFactory = _ => "kube-system",
        };
        var leaseName = new Option<string>("--lease-name")
        {
            Description = "Name of the Lease that is the cluster's node slot.",
            DefaultValueFactory = _ => "kubepki-agent",
        };
        var leaseDuration = new Option<string>("--lease-duration")
        {
            Description = "How long the slot stays taken without renewal.",
            DefaultValueFactory = _ => "60s",
        };
        var restartTimeout = new Option<string>("--restart-timeout")
        {
            Description = "How long each component may take to stop and become healthy again after its restart.",
            DefaultValueFactory = _ => "5m",
        };
        var metrics = new Option<string>("--metrics-bind-address")
        {
            Description = "host:port for /healthz and /metrics; \"0\" disables.",
            DefaultValueFactory = _ => "127.0.0.1:9794",
        };
        var startTime = new Option<string?>("--start-time")
        {
            Description = "Start of the daily maintenance window (HH:MM; default: any time).",
        };
        var endTime = new Option<string?>("--end-time")
        {
            Description = "End of the daily maintenance window (HH:MM).",
        };
        var timeZone = new Option<string?>("--time-zone")
        {
            Description = "Time zone of --start-time and --end-time (default UTC).",
        };
        var days = new Option<string?>("--days")
        {
            Description = "Days the maintenance window opens, e.g. mon,tue,wed (default: every day).",
        };
        var command = new Command(
            "agent",
            "Renew this control-plane node's certificates when due, one node of the cluster at a time: a Lease is the "
                + "cluster's slot, etcd and every control-plane node must be healthy, and only the components that "
                + "use what was renewed restart. Run it on every control-plane node (deploy/agent/)."
        );
        foreach (
            var option in (Option[])
                [
                    nodeName,
                    kubeconfig,
                    cluster.Config,
                    cluster.CertDir,
                    cluster.KubeconfigDir,
                    controlPlane.ManifestsDir,
                    controlPlane.KubeletConfig,
                    renewBefore,
                    interval,
                    leaseNamespace,
                    leaseName,
                    leaseDuration,
                    restartTimeout,
                    metrics,
                    startTime,
                    endTime,
                    timeZone,
                    days,
                ]
        )
        {
            command.Options.Add(option);
        }
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        var config = cluster.Read(result);
                        var settings = controlPlane.ReadWithTimeout(
                            result,
                            config.KubeconfigDir ?? "/etc/kubernetes",
                            DurationFlag.ReadPositive(result.GetValue(restartTimeout)!, "--restart-timeout")
                        );
                        var options = new AgentOptions
                        {
                            NodeName = result.GetValue(nodeName) is { Length: > 0 } name
                                ? name
                                : throw new KubePkiException("--node-name must not be empty"),
                            Config = config,
                            ControlPlane = settings,
                            RenewBefore = DurationFlag.ReadPositive(result.GetValue(renewBefore)!, "--renew-before"),
                            Interval = DurationFlag.ReadPositive(result.GetValue(interval)!, "--interval"),
                            LeaseNamespace = result.GetValue(leaseNamespace)!,
                            LeaseName = result.GetValue(leaseName)!,
                            LeaseDuration = DurationFlag.ReadPositive(
                                result.GetValue(leaseDuration)!,
                                "--lease-duration"
                            ),
                            Window = MaintenanceWindow.Parse(
                                result.GetValue(startTime),
                                result.GetValue(endTime),
                                result.GetValue(timeZone),
                                result.GetValue(days)
                            ),
                        };
                        using var client = KubeClientFactory.Create(result.GetValue(kubeconfig));
                        using var probe = new HttpComponentProbe();
                        var agent = new NodeAgent(options, new ClusterApi(client), probe, env.Keys, env.Waits, env.Out);
                        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
                        await using var endpoint = result.GetValue(metrics) is { Length: > 0 } address and not "0"
                            ? new HealthEndpoint(
                                address,
                                "--metrics-bind-address",
                                () => AgentMetrics.Render(options.NodeName, agent.LastReport, env.Waits.GetUtcNow()),
                                () => agent.LastReport is not null,
                                loggers.CreateLogger("agent")
                            )
                            : null;
                        endpoint?.Start();
                        env.Out.WriteLine(
                            $"[agent] node {options.NodeName}: renewing within {GoDuration.Format(options.RenewBefore)}"
                                + $" of expiry, looking every {GoDuration.Format(options.Interval)}, slot "
                                + $"{options.LeaseNamespace}/{options.LeaseName}, window {options.Window}"
                        );
                        env.Out.Flush();
                        var changes = new NodeChanges(
                            client,
                            options.NodeName,
                            loggers.CreateLogger("agent"),
                            env.Waits
                        );
                        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        var watching = changes.RunAsync(stopping.Token);
                        try
                        {
                            await agent.RunAsync(changes, cancellationToken);
                        }
                        finally
                        {
                            await stopping.CancelAsync();
                            try
                            {
                                await watching;
                            }
                            catch (OperationCanceledException) { }
                        }
                        env.Out.WriteLine("[agent] stopped");
                        return 0;
                    }
                )
        );
        return command;
    }
}
