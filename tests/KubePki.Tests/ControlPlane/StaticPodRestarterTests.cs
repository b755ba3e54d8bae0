using KubePki.ControlPlane;
using KubePki.Storage;

namespace KubePki.Tests.ControlPlane;

/// <summary>The restart state machine against a probe that plays the kubelet: the component answers exactly while its
/// manifest is in the manifests dir (or never stops, or never comes back).</summary>
public sealed class StaticPodRestarterTests
{
    /// <summary>Answers like a kubelet that reacts at once: 200 while the manifest is installed, nothing otherwise. It
    /// records, per probe, whether the manifest was in place, so the test sees what the state machine saw.</summary>
    private sealed class KubeletLikeProbe(
        string manifestsDir,
        Func<string, bool>? neverHealthy = null,
        bool neverStops = false
    ) : IComponentProbe
    {
        public List<string> Seen { get; } = [];

        public Task<ProbeOutcome> GetAsync(HttpGetProbe probe, CancellationToken cancellationToken)
        {
            var component = ControlPlaneComponent.InUpgradeOrder.Single(c => probe.Port == 1 + c.Order);
            var installed = File.Exists(Path.Combine(manifestsDir, component.ManifestFileName));
            lock (Seen)
            {
                Seen.Add($"{component.Name} {(installed ? "in" : "out")}");
            }
            return Task.FromResult(
                neverStops || installed
                    ? neverHealthy?.Invoke(component.Name) == true
                        ? new ProbeOutcome(ProbeState.Failure, "HTTP 500")
                        : new ProbeOutcome(ProbeState.Success, "HTTP 200")
                    : new ProbeOutcome(ProbeState.Unreachable, "connection refused")
            );
        }

        public Task<byte[]?> ServedCertificateAsync(string host, int port, CancellationToken cancellationToken) =>
            Task.FromResult<byte[]?>(null);
    }

    private static ControlPlaneNode Node()
    {
        var node = new ControlPlaneNode();
        var order = 0;
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            File.WriteAllText(
                Path.Combine(node.ManifestsDir, component.ManifestFileName),
                ControlPlaneNode.Manifest(component.Name, ++order)
            );
        }
        return node;
    }

    private static ControlPlaneSettings Settings(ControlPlaneNode node, TimeSpan timeout) =>
        new(node.ManifestsDir, node.KubeconfigDir, timeout, TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Restarts_in_upgrade_order_each_stopped_while_its_manifest_is_out_and_healthy_after_it_is_back()
    {
        using var node = Node();
        var probe = new KubeletLikeProbe(node.ManifestsDir);
        var log = new StringWriter();
        var before = node.Snapshot().Where(p => p.Key.StartsWith(node.ManifestsDir, StringComparison.Ordinal)).ToList();
        using (
            var restarter = StaticPodRestarter.Open(
                Settings(node, TimeSpan.FromSeconds(10)),
                probe,
                TimeProvider.System,
                log,
                TimeSpan.Zero
            )
        )
        {
            await restarter.RestartAsync([
                ControlPlaneComponent.KubeScheduler,
                ControlPlaneComponent.Etcd,
                ControlPlaneComponent.KubeApiServer,
                ControlPlaneComponent.KubeControllerManager,
            ]);
        }

        // Per component: seen out (stopped), then in (healthy), in order; nothing else probed in between.
        var transitions = probe.Seen.Where((s, i) => i == 0 || s != probe.Seen[i - 1]).ToList();
        Assert.Equal(
            ControlPlaneComponent.InUpgradeOrder.SelectMany(c => new[] { $"{c.Name} out", $"{c.Name} in" }),
            transitions
        );
        Assert.Equal(
            ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"],
            log.ToString()
                .Split('\n')
                .Where(l => l.StartsWith("[control-plane] Restarting", StringComparison.Ordinal))
                .Select(l => l.Split('"')[1])
        );
        Assert.Equal(
            before,
            node.Snapshot().Where(p => p.Key.StartsWith(node.ManifestsDir, StringComparison.Ordinal)).ToList()
        );
        Assert.False(File.Exists(ManifestJournal.PathIn(node.TmpDir)));
    }

    [Fact]
    public async Task A_never_healthy_component_fails_within_the_timeout_manifest_in_place_later_ones_untouched()
    {
        using var node = Node();
        var probe = new KubeletLikeProbe(node.ManifestsDir, neverHealthy: name => name == "kube-apiserver");
        var settings = Settings(node, TimeSpan.FromSeconds(1));
        var clock = new WaitingClock(DateTimeOffset.UnixEpoch);
        using var restarter = StaticPodRestarter.Open(settings, probe, clock, new StringWriter(), TimeSpan.Zero);
        var error = await Assert.ThrowsAsync<KubePkiException>(() =>
            restarter.RestartAsync(ControlPlaneComponent.InUpgradeOrder)
        );

        // On a clock that moves only when the restarter waits: it gave up once its 1s had run out, not before and not
        // much after (etcd's stop takes one fileCheckFrequency, the last poll may overshoot by one interval), and it
        // kept asking the apiserver's probe all along.
        Assert.InRange(
            clock.GetUtcNow() - DateTimeOffset.UnixEpoch,
            settings.Timeout,
            settings.Timeout + settings.FileCheckFrequency + 2 * settings.PollInterval
        );
        Assert.True(
            probe.Seen.Count(s => s == "kube-apiserver in") >= settings.Timeout / settings.PollInterval - 1,
            string.Join(", ", probe.Seen)
        );
        Assert.Equal(
            "\"kube-apiserver\" did not become healthy within 1s: still waiting for livenessProbe "
                + "https://127.0.0.1:2/healthz (HTTP 500); "
                + $"its manifest is in place in {node.ManifestsDir}; not restarted: kube-controller-manager, "
                + $"kube-scheduler",
            error.Message
        );
        Assert.True(File.Exists(Path.Combine(node.ManifestsDir, "kube-apiserver.yaml")));
        Assert.DoesNotContain(
            probe.Seen,
            s =>
                s.StartsWith("kube-controller-manager", StringComparison.Ordinal)
                || s.StartsWith("kube-scheduler", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task A_component_that_never_stops_gets_its_manifest_back_and_the_run_fails()
    {
        using var node = Node();
        var probe = new KubeletLikeProbe(node.ManifestsDir, neverStops: true);
        using var restarter = StaticPodRestarter.Open(
            Settings(node, TimeSpan.FromMilliseconds(500)),
            probe,
            TimeProvider.System,
            new StringWriter(),
            TimeSpan.Zero
        );
        var error = await Assert.ThrowsAsync<KubePkiException>(() =>
            restarter.RestartAsync([ControlPlaneComponent.Etcd])
        );
        Assert.StartsWith(
            "\"etcd\" did not stop within 500ms after its manifest was moved out",
            error.Message.Replace("0.5s", "500ms", StringComparison.Ordinal)
        );
        Assert.True(File.Exists(Path.Combine(node.ManifestsDir, "etcd.yaml")));
        Assert.False(File.Exists(ManifestJournal.PathIn(node.TmpDir)));
    }

    [Fact]
    public void A_manifest_left_outside_by_a_crashed_run_is_put_back_by_the_next_run_and_only_reported_by_a_dry_run()
    {
        using var node = Node();
        var manifest = Path.Combine(node.ManifestsDir, "kube-scheduler.yaml");
        var content = File.ReadAllText(manifest);
        var held = Path.Combine(node.TmpDir, "kubepki-held-manifests", "kube-scheduler.yaml");
        // The state kill -9 leaves between the rename and the put-back.
        Directory.CreateDirectory(Path.GetDirectoryName(held)!, FileModes.PrivateDirectory);
        File.SetUnixFileMode(node.TmpDir, FileModes.PrivateDirectory);
        ManifestJournal.Begin(DiskFileStore.Instance, node.TmpDir, manifest, held);
        File.Move(manifest, held);

        var dryLog = new StringWriter();
        using (
            StaticPodRestarter.Open(
                Settings(node, TimeSpan.FromSeconds(1)) with
                {
                    DryRun = true,
                },
                new KubeletLikeProbe(node.ManifestsDir),
                TimeProvider.System,
                dryLog,
                TimeSpan.Zero
            )
        ) { }
        Assert.Contains($"[dryrun] Would put back {manifest} from {held}", dryLog.ToString());
        Assert.False(File.Exists(manifest));

        var log = new StringWriter();
        using (
            StaticPodRestarter.Open(
                Settings(node, TimeSpan.FromSeconds(1)),
                new KubeletLikeProbe(node.ManifestsDir),
                TimeProvider.System,
                log,
                TimeSpan.Zero
            )
        ) { }
        Assert.Equal(content, File.ReadAllText(manifest));
        Assert.False(File.Exists(held));
        Assert.False(File.Exists(ManifestJournal.PathIn(node.TmpDir)));
        Assert.Contains(
            "An earlier run was interrupted while kube-scheduler.yaml was moved out: put it back",
            log.ToString()
        );
    }

    [Fact]
    public void A_journal_whose_manifest_is_already_back_is_just_removed()
    {
        using var node = Node();
        var manifest = Path.Combine(node.ManifestsDir, "etcd.yaml");
        Directory.CreateDirectory(node.TmpDir, FileModes.PrivateDirectory);
        ManifestJournal.Begin(
            DiskFileStore.Instance,
            node.TmpDir,
            manifest,
            Path.Combine(node.TmpDir, "kubepki-held-manifests", "etcd.yaml")
        );
        var before = File.ReadAllText(manifest);
        Assert.Empty(ManifestJournal.Recover(DiskFileStore.Instance, Settings(node, TimeSpan.FromSeconds(1))));
        Assert.Equal(before, File.ReadAllText(manifest));
        Assert.False(File.Exists(ManifestJournal.PathIn(node.TmpDir)));
    }

    [Fact]
    public void A_journal_naming_files_that_are_not_manifests_is_refused_and_nothing_is_moved()
    {
        using var node = Node();
        Directory.CreateDirectory(node.TmpDir, FileModes.PrivateDirectory);
        var victim = Path.Combine(node.Root, "victim");
        File.WriteAllText(Path.Combine(node.TmpDir, "elsewhere"), "planted");
        File.WriteAllText(ManifestJournal.PathIn(node.TmpDir), $"{victim}\t{Path.Combine(node.TmpDir, "elsewhere")}\n");
        var error = Assert.Throws<KubePkiException>(() =>
            ManifestJournal.Recover(DiskFileStore.Instance, Settings(node, TimeSpan.FromSeconds(1)))
        );
        Assert.StartsWith($"{ManifestJournal.PathIn(node.TmpDir)} does not name a manifest in", error.Message);
        Assert.DoesNotContain(victim, error.Message);
        Assert.False(File.Exists(victim));
    }

    [Fact]
    public void Manifest_probes_are_read_from_the_pod_with_kubelet_defaults()
    {
        var manifest = StaticPodManifest.Parse(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: etcd
            spec:
              containers:
              - command: [etcd, --listen-client-urls=https://127.0.0.1:2379, --cert-file=/pki/etcd/server.crt]
                ports: [{name: probe-port, containerPort: 2381}]
                startupProbe:
                  httpGet: {port: probe-port, path: "health"}
                readinessProbe:
                  tcpSocket: {port: 2379}
            """,
            "etcd.yaml"
        );
        var probe = Assert.Single(manifest.Probes);
        Assert.Equal(new HttpGetProbe("startupProbe", "HTTP", "127.0.0.1", 2381, "/health"), probe);
        Assert.Equal(
            ("/pki/etcd/server.crt", "127.0.0.1", 2379),
            ComponentHealth.ServedEndpoint(ControlPlaneComponent.Etcd, manifest)
        );
    }
}
