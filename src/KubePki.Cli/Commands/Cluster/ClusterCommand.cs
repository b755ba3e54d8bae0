using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using KubePki.Agent;
using KubePki.Cli.Commands.Controller;

namespace KubePki.Cli.Commands.Cluster;

/// <summary><c>kubepki cluster status|renew</c>: what the agents report on the control-plane Nodes, and a request that
/// they renew everything now (carried out one node at a time under the agents' gate).</summary>
public static class ClusterCommand
{
    public static Command Create(CliEnvironment env)
    {
        var cluster = new Command("cluster", "The cluster-wide renewal carried out by kubepki agent.");
        cluster.Subcommands.Add(Status(env));
        cluster.Subcommands.Add(Renew(env));
        return cluster;
    }

    private static Option<string?> KubeconfigOption() =>
        new("--kubeconfig")
        {
            Description = "The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).",
        };

    private static Command Status(CliEnvironment env)
    {
        var kubeconfig = KubeconfigOption();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format. One of: table|json.",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json");
        var leaseNamespace = new Option<string>("--lease-namespace") { DefaultValueFactory = _ => "kube-system" };
        var leaseName = new Option<string>("--lease-name") { DefaultValueFactory = _ => "kubepki-agent" };
        var command = new Command(
            "status",
            "One row per control-plane node: its agent's state, earliest expiry, last renewal and why it waits; and "
                + "the node holding the slot. Exits 1 when a node is Failed or Blocked or has no live agent."
        );
        foreach (var option in (Option[])[kubeconfig, output, leaseNamespace, leaseName])
        {
            command.Options.Add(option);
        }
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        using var client = Client(result.GetValue(kubeconfig));
                        var status = await ClusterStatus.ReadAsync(
                            client,
                            result.GetValue(leaseNamespace)!,
                            result.GetValue(leaseName)!,
                            env.Time,
                            cancellationToken
                        );
                        env.Out.Write(result.GetValue(output) == "json" ? Json(status) : Table(status));
                        return status.Ok ? 0 : 1;
                    }
                )
        );
        return command;
    }

    private static Command Renew(CliEnvironment env)
    {
        var kubeconfig = KubeconfigOption();
        var command = new Command(
            "renew",
            "Ask the agents to renew every certificate of every control-plane node now, whatever is due; they do it "
                + "one node at a time under the same gate."
        );
        command.Options.Add(kubeconfig);
        command.SetAction(
            async (result, cancellationToken) =>
                await CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        using var client = Client(result.GetValue(kubeconfig));
                        var nodes = await new ClusterApi(client).RequestRenewalAsync(
                            env.Time.GetUtcNow(),
                            cancellationToken
                        );
                        env.Out.WriteLine(
                            $"[cluster] Requested a renewal of {string.Join(", ", nodes)}; "
                                + "the agents renew one node at a time (see 'kubepki cluster status')"
                        );
                        return 0;
                    }
                )
        );
        return command;
    }

    private static IKubernetes Client(string? kubeconfig) => KubeClientFactory.Create(kubeconfig, likeKubectl: true);

    private static string Table(ClusterStatus status)
    {
        static string Time(DateTimeOffset? t, string none) => NodeReport.Time(t) ?? none;
        var rows = new List<string[]> { new[] { "NODE", "STATE", "EARLIEST EXPIRY", "LAST RENEWAL", "MESSAGE" } };
        rows.AddRange(
            status.Nodes.Select(n =>
                new[]
                {
                    n.Node,
                    n.State,
                    Time(n.EarliestExpiry, "<unknown>"),
                    Time(n.LastRenewal, "<never>"),
                    n.Message,
                }
            )
        );
        var widths = Enumerable.Range(0, 4).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < 4; i++)
            {
                text.Append(row[i].PadRight(widths[i] + 3));
            }
            text.Append(row[4]).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"\nSlot holder: {status.Holder ?? "<none>"}\n");
        return text.ToString();
    }

    private static string Json(ClusterStatus status)
    {
        var json = new JsonObject
        {
            ["holder"] = status.Holder,
            ["nodes"] = new JsonArray([
                .. status.Nodes.Select(n =>
                    (JsonNode)
                        new JsonObject
                        {
                            ["node"] = n.Node,
                            ["role"] = n.Role,
                            ["state"] = n.State,
                            ["earliestExpiry"] = NodeReport.Time(n.EarliestExpiry),
                            ["lastRenewal"] = NodeReport.Time(n.LastRenewal),
                            ["message"] = n.Message,
                            ["heartbeat"] = NodeReport.Time(n.Heartbeat),
                        }
                ),
            ]),
        };
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
