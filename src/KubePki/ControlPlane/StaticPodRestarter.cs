using System.Diagnostics;
using KubePki.Files;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>Restarts static pods the way the documentation tells an operator to, one component at a time: move the
/// manifest out of the manifests dir (a journaled rename), wait until the component has stopped, put the manifest
/// back, wait until it is healthy. Opening one takes the control-plane lock and first puts back any manifest an
/// interrupted run left outside; dispose it to release the lock. With <see cref="ControlPlaneSettings.DryRun"/> it
/// only says what it would do.</summary>
internal sealed class StaticPodRestarter : IDisposable
{
    /// <summary>What <c>&lt;kubeconfig-dir&gt;/tmp/</c> holds for a restart, for the messages of its checks.</summary>
    private const string Keeps = "the control-plane lock, journal and held manifests";

    private readonly ControlPlaneSettings _settings;
    private readonly ComponentHealth _health;
    private readonly TimeProvider _time;
    private readonly TextWriter _log;
    private readonly IFileStore _store;
    private readonly IDisposable? _lock;

    private StaticPodRestarter(
        ControlPlaneSettings settings,
        IComponentProbe probe,
        TimeProvider time,
        TextWriter log,
        IFileStore store,
        IDisposable? held
    )
    {
        _settings = settings;
        _health = new ComponentHealth(probe);
        _time = time;
        _log = log;
        _store = store;
        _lock = held;
    }

    public ControlPlaneSettings Settings => _settings;

    /// <summary>Checks <c>&lt;kubeconfig-dir&gt;/tmp/</c> as renewal does (a real 0700 directory of the running user)
    /// before anything in it is touched, then takes the lock and puts back what a crashed run left out.</summary>
    public static StaticPodRestarter Open(
        ControlPlaneSettings settings,
        IComponentProbe probe,
        TimeProvider time,
        TextWriter log,
        TimeSpan lockTimeout
    )
    {
        IFileStore store = settings.DryRun ? new DryRunFileStore(log) : DiskFileStore.Instance;
        if (store.Inspect(settings.ManifestsDir, followLinks: true)?.Kind != FileKind.Directory)
        {
            throw new KubePkiException($"--manifests-dir {settings.ManifestsDir}: no such directory");
        }
        StateDirectory.Prepare(store, settings.KubeconfigDir, Keeps);
        if (settings.DryRun)
        {
            foreach (var (manifest, held) in ManifestJournal.Pending(store, settings))
            {
                log.WriteLine($"[dryrun] Would put back {manifest} from {held}, left outside by an interrupted run");
            }
            return new StaticPodRestarter(settings, probe, time, log, store, null);
        }
        var locked = ControlPlaneLock.Acquire(store, settings.TmpDir, lockTimeout, time);
        try
        {
            foreach (var manifest in ManifestJournal.Recover(store, settings))
            {
                log.WriteLine(
                    $"[control-plane] An earlier run was interrupted while {Path.GetFileName(manifest)} "
                        + $"was moved out: put it back in {settings.ManifestsDir}"
                );
            }
        }
        catch
        {
            locked.Dispose();
            throw;
        }
        return new StaticPodRestarter(settings, probe, time, log, store, locked);
    }

    /// <summary>What <c>all</c> means: the components whose manifest is in the manifests dir. With external etcd
    /// there is no etcd.yaml, and kubeadm leaves etcd alone; so does this. Each component left out is said
    /// once.</summary>
    public static IReadOnlyList<ControlPlaneComponent> Installed(ControlPlaneSettings settings, TextWriter log)
    {
        if (DiskFileStore.Instance.Inspect(settings.ManifestsDir, followLinks: true)?.Kind != FileKind.Directory)
        {
            throw new KubePkiException($"--manifests-dir {settings.ManifestsDir}: no such directory");
        }
        var installed = ControlPlaneComponent
            .InUpgradeOrder.Where(c =>
                DiskFileStore.Instance.Inspect(settings.ManifestPath(c), followLinks: true) is not null
            )
            .ToList();
        if (installed.Count == 0)
        {
            throw new KubePkiException(
                $"--manifests-dir {settings.ManifestsDir}: holds none of "
                    + string.Join(", ", ControlPlaneComponent.InUpgradeOrder.Select(c => c.ManifestFileName))
            );
        }
        foreach (var component in ControlPlaneComponent.InUpgradeOrder.Except(installed))
        {
            var external = component == ControlPlaneComponent.Etcd ? " (external etcd)" : "";
            log.WriteLine(
                $"[control-plane] No {component.ManifestFileName} in {settings.ManifestsDir}: \"{component.Name}\" "
                    + $"is not a static pod on this node{external}; leaving it alone"
            );
        }
        return installed;
    }

    /// <summary>Restarts the components in kubeadm's upgrade order. Every manifest is read and checked before the first
    /// is moved. A component that does not stop, or does not come back healthy, within the timeout ends the run with
    /// its manifest in place and the components after it untouched.</summary>
    public async Task RestartAsync(
        IReadOnlyList<ControlPlaneComponent> components,
        CancellationToken cancellationToken = default
    )
    {
        var ordered = components.Distinct().OrderBy(c => c.Order).ToList();
        var manifests = ordered.Select(LoadChecked).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var (component, manifest) = (ordered[i], manifests[i]);
            if (_settings.DryRun)
            {
                _log.WriteLine(
                    $"[dryrun] Would restart \"{component.Name}\": move {manifest.Path} "
                        + $"to {HeldPath(component)}, wait until it has stopped, put it back and wait up "
                        + $"to {_settings.TimeoutText} until it is healthy "
                        + $"({ComponentHealth.Criteria(component, manifest)})"
                );
                continue;
            }
            _log.WriteLine($"[control-plane] Restarting \"{component.Name}\"");
            var clock = Stopwatch.StartNew();
            var deadline = _time.GetUtcNow() + _settings.Timeout;
            await SwapAsync(
                    component,
                    manifest,
                    HeldPath(component),
                    replacement: null,
                    keepHeld: false,
                    deadline,
                    cancellationToken
                )
                .ConfigureAwait(false);
            var failure = await WaitHealthyAsync(component, manifest, deadline, cancellationToken)
                .ConfigureAwait(false);
            if (failure is not null)
            {
                var untouched = ordered.Skip(i + 1).Select(c => c.Name).ToList();
                throw new KubePkiException(
                    $"\"{component.Name}\" did not become healthy "
                        + $"within {_settings.TimeoutText}: still waiting for {failure}; its manifest is in place "
                        + $"in {_settings.ManifestsDir}"
                        + (untouched.Count > 0 ? $"; not restarted: {string.Join(", ", untouched)}" : "")
                );
            }
            _log.WriteLine(
                $"[control-plane] \"{component.Name}\" is healthy again, restarted " + $"in {Seconds(clock.Elapsed)}"
            );
        }
    }

    /// <summary>Reads a component's installed manifest, refusing one kubepki cannot judge: not a Pod, or no httpGet
    /// probe.</summary>
    public StaticPodManifest LoadChecked(ControlPlaneComponent component) =>
        Checked(StaticPodManifest.Load(_settings.ManifestPath(component)));

    public static StaticPodManifest Checked(StaticPodManifest manifest)
    {
        if (manifest.Probes.Count == 0)
        {
            // Without a probe, "stopped" and "healthy" could only be guessed (a port answering is not health), so
            // refuse.
            throw new KubePkiException(
                $"{manifest.Path}: the pod has no httpGet startupProbe, livenessProbe or "
                    + $"readinessProbe, so its health cannot be judged; refusing to restart it"
            );
        }
        return manifest;
    }

    internal string HeldPath(ControlPlaneComponent component) =>
        Path.Combine(_settings.HoldingDir, component.ManifestFileName);

    /// <summary>Moves the installed manifest to <paramref name="held"/> (journaled), waits until the component has
    /// stopped, then puts back either the held manifest or <paramref name="replacement"/> (a staged file on the same
    /// file system). The held file is removed unless <paramref name="keepHeld"/> (a backup). If the component does not
    /// stop before the deadline, the held manifest is put back and the run fails.</summary>
    internal async Task SwapAsync(
        ControlPlaneComponent component,
        StaticPodManifest manifest,
        string held,
        string? replacement,
        bool keepHeld,
        DateTimeOffset deadline,
        CancellationToken cancellationToken
    )
    {
        var path = _settings.ManifestPath(component);
        // tmp/ was checked when the lock was taken; the directory holding the manifest gets the same checks.
        StateDirectory.RequirePrivate(
            _store,
            Path.GetDirectoryName(held)!,
            $"manifests moved out of {_settings.ManifestsDir}"
        );
        if (_store.Inspect(held) is not null)
        {
            throw new KubePkiException(
                $"{held} already exists; it may be a manifest left by another tool, refusing " + $"to overwrite it"
            );
        }
        var journal = ManifestJournal.Begin(_store, _settings.TmpDir, path, held);
        try
        {
            File.Move(path, held);
        }
        catch (IOException e)
        {
            journal.Complete();
            throw new KubePkiException(
                $"cannot move {path} to {held} (they must be on one file system): {e.Message}",
                e
            );
        }
        DirectorySync.Flush(_settings.ManifestsDir);
        DirectorySync.Flush(Path.GetDirectoryName(held)!);
        _log.WriteLine(
            $"[control-plane] Moved {path} to {held}; waiting for the kubelet to stop "
                + $"\"{component.Name}\" (it looks every {Seconds(_settings.FileCheckFrequency)})"
        );
        var stopped = await WaitStoppedAsync(component, manifest, deadline, cancellationToken).ConfigureAwait(false);
        var back = stopped ? replacement ?? held : held;
        File.Move(back, path);
        DirectorySync.Flush(_settings.ManifestsDir);
        journal.Complete();
        if (!stopped)
        {
            throw new KubePkiException(
                $"\"{component.Name}\" did not stop within {_settings.TimeoutText} after its "
                    + $"manifest was moved out: its probes still answer "
                    + $"({ComponentHealth.Criteria(component, manifest)}); "
                    + $"the manifest is back in place"
            );
        }
        if (replacement is not null && !keepHeld)
        {
            _store.Delete(held);
        }
        _log.WriteLine(
            $"[control-plane] \"{component.Name}\" has stopped; put {(replacement is null ? "its manifest " +
            "back" : "the new manifest")} in {path}; waiting up to {_settings.TimeoutText} for it to become healthy"
        );
    }

    private async Task<bool> WaitStoppedAsync(
        ControlPlaneComponent component,
        StaticPodManifest manifest,
        DateTimeOffset deadline,
        CancellationToken cancellationToken
    )
    {
        // The kubelet may not look before fileCheckFrequency has passed; until then a silent probe proves nothing.
        var earliest = _time.GetUtcNow() + _settings.FileCheckFrequency;
        while (true)
        {
            var now = _time.GetUtcNow();
            if (
                now >= earliest
                && (await _health.CheckAsync(component, manifest, cancellationToken).ConfigureAwait(false)).Stopped
            )
            {
                return true;
            }
            if (_time.GetUtcNow() >= deadline)
            {
                return false;
            }
            await Task.Delay(_settings.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the component is healthy (see <see cref="ComponentHealth"/>). Returns null when it is, else
    /// what it was still waiting for at the deadline.</summary>
    public async Task<string?> WaitHealthyAsync(
        ControlPlaneComponent component,
        StaticPodManifest manifest,
        DateTimeOffset deadline,
        CancellationToken cancellationToken = default
    )
    {
        while (true)
        {
            var snapshot = await _health.CheckAsync(component, manifest, cancellationToken).ConfigureAwait(false);
            if (snapshot.Healthy)
            {
                return null;
            }
            if (_time.GetUtcNow() >= deadline)
            {
                return snapshot.Waiting;
            }
            await Task.Delay(_settings.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.0}s";

    public void Dispose() => _lock?.Dispose();
}
