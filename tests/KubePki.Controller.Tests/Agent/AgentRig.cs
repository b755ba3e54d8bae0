using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using KubePki.Agent;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Deploy;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Agent;

/// <summary>Three simulated control-plane nodes (the test kit's <see cref="ControlPlaneCluster"/>: a real 3-member
/// etcd, stand-in kubelets and stand-in apiserver/controller-manager/scheduler) whose certificates were issued 360
/// days ago, so they expire in five days; the test API server holding their Node objects and kubeadm-config, with
/// deploy/agent's RBAC enforced; and one <c>kubepki agent</c> process per node (the KUBEPKI_BIN binary, else the
/// built kubepki.dll), authenticated as deploy/agent's ServiceAccount. The agents share nothing on disk.</summary>
internal sealed class AgentRig : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(15);

    public static readonly DeployManifests Manifests = DeployManifests.Load("agent");

    private readonly ConcurrentDictionary<string, AgentProcess> _agents = new(StringComparer.Ordinal);

    private AgentRig(TestCluster api, RbacAuthorizer authorizer, ControlPlaneCluster cluster)
    {
        Api = api;
        Authorizer = authorizer;
        Cluster = cluster;
        Admin = api.Admin();
    }

    public TestCluster Api { get; }

    public RbacAuthorizer Authorizer { get; }

    public ControlPlaneCluster Cluster { get; }

    public IKubernetes Admin { get; }

    public string AgentKubeconfig => Api.KubeconfigFor(Manifests.ControllerUser, Manifests.ControllerGroups);

    public static async Task<AgentRig> StartAsync()
    {
        var authorizer = new RbacAuthorizer(Manifests.Objects);
        var api = await TestCluster.StartAsync();
        api.Server.Authorizer = authorizer;
        ControlPlaneCluster? cluster = null;
        try
        {
            // Issued 360 days ago: every certificate and kubeconfig expires in five days, inside --renew-before.
            cluster = await ControlPlaneCluster.StartAsync(3, issuedAt: DateTimeOffset.UtcNow.AddDays(-360));
            // kubeadm's default certificatesDir, as on a real cluster: each agent gets its node's --cert-dir.
            ControlPlaneObjects.AddAll(api.Server.Store, cluster);
            return new AgentRig(api, authorizer, cluster);
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>kubepki agent</c> for the node with the rig's timings (interval 1s, lease 3s, restart
    /// timeout 15s) and the node's own paths.</summary>
    public void StartAgent(string node, params string[] extra) => StartAgent(node, "0", extra);

    /// <summary>As <see cref="StartAgent(string, string[])"/>, serving /metrics and /healthz on
    /// <paramref name="metrics"/>.</summary>
    public void StartAgent(string node, string metrics, params string[] extra)
    {
        var n = Cluster[node];
        string[] args =
        [
            "agent",
            "--node-name",
            node,
            "--kubeconfig",
            AgentKubeconfig,
            "--cert-dir",
            n.CertDir,
            "--kubeconfig-dir",
            n.KubeconfigDir,
            "--kubelet-config",
            n.KubeletConfig,
            "--interval",
            "1s",
            "--lease-duration",
            "3s",
            "--restart-timeout",
            "15s",
            "--metrics-bind-address",
            metrics,
            .. extra,
        ];
        var started = AgentProcess.Start(node, args);
        if (_agents.TryRemove(node, out var old))
        {
            old.Kill();
        }
        _agents[node] = started;
    }

    public void StartAgents(params string[] extra)
    {
        foreach (var node in Cluster.NodeNames)
        {
            StartAgent(node, "0", extra);
        }
    }

    /// <summary>kill -9 of the node's agent.</summary>
    public void KillAgent(string node)
    {
        if (_agents.TryRemove(node, out var agent))
        {
            agent.Kill();
        }
    }

    public void KillAgents()
    {
        foreach (var node in _agents.Keys.ToList())
        {
            KillAgent(node);
        }
    }

    public string AgentLogs => string.Join("\n", _agents.Select(a => $"--- agent {a.Key}:\n{a.Value.Output}"));

    /// <summary>Every node's report as the API holds it (null: none yet).</summary>
    public async Task<IReadOnlyDictionary<string, NodeReport?>> ReportsAsync()
    {
        var nodes = await Admin.CoreV1.ListNodeAsync();
        return nodes.Items.ToDictionary(
            n => n.Metadata.Name,
            n =>
                NodeReport.FromJson(
                    n.Metadata.Annotations is { } a && a.TryGetValue(NodeReport.Annotation, out var v) ? v : null
                )
        );
    }

    /// <summary>Waits until the reports satisfy the condition; on timeout fails with the reports and the agents'
    /// logs.</summary>
    public async Task<IReadOnlyDictionary<string, NodeReport?>> WaitAsync(
        Func<IReadOnlyDictionary<string, NodeReport?>, bool> condition,
        string what,
        TimeSpan timeout
    )
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reports = await ReportsAsync();
            if (_agents.FirstOrDefault(a => a.Value.Exited) is { Key: { } dead })
            {
                throw new InvalidOperationException($"the agent of {dead} exited\n{AgentLogs}");
            }
            if (condition(reports))
            {
                return reports;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"{what} not within {timeout}:\n"
                        + string.Join("\n", reports.Select(r => $"{r.Key}: {r.Value?.ToJson()}"))
                        + "\n"
                        + AgentLogs
                );
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Returns once every agent published at least <paramref name="ticks"/> more reports after the call
    /// (each report carries a newer heartbeat): what they would do, they had the chance to do.</summary>
    public async Task EveryAgentLookedAsync(int ticks = 2)
    {
        var since = DateTimeOffset.UtcNow;
        await WaitAsync(
            r => r.All(p => p.Value is { } report && report.Heartbeat >= since + ticks * Interval),
            $"every agent to look {ticks} more times",
            TimeSpan.FromSeconds(60)
        );
    }

    /// <summary>What each node's stand-in kubelet did since <paramref name="since"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<PodEvent>> PodEventsSince(DateTime since) =>
        Cluster.Nodes.ToDictionary(
            n => n.Name,
            n => (IReadOnlyList<PodEvent>)n.Kubelet.Events.Where(e => e.At >= since).ToList()
        );

    public CliRunner.Result Kubepki(params string[] args) => CliRunner.Run([.. args, "--kubeconfig", Api.AdminConf]);

    public async ValueTask DisposeAsync()
    {
        KillAgents();
        Admin.Dispose();
        await Cluster.DisposeAsync();
        await Api.DisposeAsync();
    }

    /// <summary>One agent process, its output kept for failure messages.</summary>
    private sealed class AgentProcess
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private AgentProcess(Process process) => _process = process;

        public string Output => string.Join("\n", _lines.TakeLast(80));

        public static AgentProcess Start(string node, IReadOnlyList<string> args)
        {
            var info = CliRunner.Binary is { } binary
                ? new ProcessStartInfo(binary)
                : new ProcessStartInfo("dotnet") { ArgumentList = { BuiltCli } };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.UseShellExecute = false;
            var process = Process.Start(info) ?? throw new InvalidOperationException($"agent {node} did not start");
            var agent = new AgentProcess(process);
            process.OutputDataReceived += (_, e) => agent.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => agent.Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return agent;
        }

        // The CLI project's own output (its dependencies beside it), built in the configuration of these tests.
        private static string BuiltCli
        {
            get
            {
                var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
                return DeployManifests.RepositoryFile(
                    $"src/KubePki.Cli/bin/{output.Parent!.Name}/{output.Name}/kubepki.dll"
                );
            }
        }

        public bool Exited => _process.HasExited;

        private void Keep(string? line)
        {
            if (line is not null)
            {
                _lines.Enqueue(line);
            }
        }

        public void Kill()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }
}
