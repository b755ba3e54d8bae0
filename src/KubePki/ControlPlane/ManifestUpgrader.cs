using System.Globalization;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>The static-pod step of <c>kubeadm upgrade apply|node</c> on its own: for each component, in upgrade order,
/// whose manifest in the source directory differs from the installed one, back the installed manifest up to
/// <c>&lt;kubeconfig-dir&gt;/tmp/kubeadm-backup-manifests-&lt;timestamp&gt;/</c>, renew the component's certificates,
/// install the new manifest and wait until the component is healthy. A component that does not become healthy is
/// rolled back (old manifest and old certificates) and ends the run.</summary>
internal sealed class ManifestUpgrader(StaticPodRestarter restarter, TimeProvider time, TextWriter log)
{
    private ControlPlaneSettings Settings => restarter.Settings;

    /// <param name="renewal">Renews a component's certificates (null: <c>--certificate-renewal=false</c>).</param>
    public async Task<IReadOnlyList<ControlPlaneComponent>> ApplyAsync(
        string manifestsFrom,
        ComponentCertRenewal? renewal,
        CancellationToken cancellationToken = default
    )
    {
        var changes = Changes(manifestsFrom);
        if (Settings.DryRun)
        {
            foreach (var (component, _, next) in changes)
            {
                var renew = renewal is null ? "" : $"renew {string.Join(", ", ComponentCertificates.Of(component))}, ";
                log.WriteLine(
                    $"[dryrun] Would back up {Settings.ManifestPath(component)}, {renew}install {next.Path} "
                        + $"and wait up to {Settings.TimeoutText} until \"{component.Name}\" is healthy"
                );
            }
            return changes.Select(c => c.Component).ToList();
        }
        if (changes.Count == 0)
        {
            return [];
        }
        var backupDir = CreateBackupDir();
        foreach (var (component, current, next) in changes)
        {
            var renewed = renewal?.Renew(component);
            var staged = Stage(next.Path, Settings.ManifestPath(component));
            var held = Path.Combine(backupDir, component.ManifestFileName);
            var deadline = time.GetUtcNow() + Settings.Timeout;
            try
            {
                await restarter
                    .SwapAsync(component, current, held, staged, keepHeld: true, deadline, cancellationToken)
                    .ConfigureAwait(false);
            }
            finally
            {
                File.Delete(staged);
            }
            log.WriteLine(
                $"[upgrade/staticpods] Moved new manifest to \"{Settings.ManifestPath(component)}\" and "
                    + $"backed up old manifest to \"{held}\""
            );
            var installed = StaticPodRestarter.Checked(StaticPodManifest.Load(Settings.ManifestPath(component)));
            var failure = await restarter
                .WaitHealthyAsync(component, installed, deadline, cancellationToken)
                .ConfigureAwait(false);
            if (failure is not null)
            {
                await RollBackAsync(component, installed, held, renewal, renewed, failure, cancellationToken)
                    .ConfigureAwait(false);
            }
            log.WriteLine($"[upgrade/staticpods] Component \"{component.Name}\" upgraded successfully!");
        }
        return changes.Select(c => c.Component).ToList();
    }

    private async Task RollBackAsync(
        ControlPlaneComponent component,
        StaticPodManifest installed,
        string backup,
        ComponentCertRenewal? renewal,
        ComponentCertRenewal.Renewed? renewed,
        string failure,
        CancellationToken cancellationToken
    )
    {
        log.WriteLine(
            $"[upgrade/staticpods] \"{component.Name}\" did not become healthy "
                + $"within {Settings.TimeoutText} (still waiting for {failure}); rolling back to {backup}"
        );
        if (renewed is not null)
        {
            renewal!.Restore(renewed);
        }
        var staged = Stage(backup, Settings.ManifestPath(component));
        var deadline = time.GetUtcNow() + Settings.Timeout;
        try
        {
            await restarter
                .SwapAsync(
                    component,
                    installed,
                    restarter.HeldPath(component),
                    staged,
                    keepHeld: false,
                    deadline,
                    cancellationToken
                )
                .ConfigureAwait(false);
        }
        finally
        {
            File.Delete(staged);
        }
        var old = StaticPodManifest.Load(Settings.ManifestPath(component));
        var oldFailure = await restarter
            .WaitHealthyAsync(component, old, deadline, cancellationToken)
            .ConfigureAwait(false);
        var certs = renewed is { Items.Count: > 0 } ? " and certificates" : "";
        throw new KubePkiException(
            $"couldn't upgrade the control plane: \"{component.Name}\" did not become healthy "
                + $"within {Settings.TimeoutText} with its new manifest (still waiting for {failure}); "
                + (
                    oldFailure is null
                        ? $"rolled back to the old manifest{certs} (backup {backup}), which is healthy"
                        : $"rolled back to the old manifest{certs} (backup {backup}), but it is not healthy "
                            + $"either: still "
                            + $"waiting for {oldFailure}"
                )
        );
    }

    /// <summary>The components whose manifest in <paramref name="from"/> differs from the installed one. Every manifest
    /// involved is read and checked before anything is changed.</summary>
    private List<(ControlPlaneComponent Component, StaticPodManifest Current, StaticPodManifest Next)> Changes(
        string from
    )
    {
        if (!Directory.Exists(from))
        {
            throw new KubePkiException($"--manifests-from {from}: no such directory");
        }
        var present = ControlPlaneComponent
            .InUpgradeOrder.Where(c => File.Exists(Path.Combine(from, c.ManifestFileName)))
            .ToList();
        if (present.Count == 0)
        {
            throw new KubePkiException(
                $"--manifests-from {from}: contains none "
                    + $"of {string.Join(", ", ControlPlaneComponent.InUpgradeOrder.Select(c => c.ManifestFileName))}"
            );
        }
        var changes = new List<(ControlPlaneComponent, StaticPodManifest, StaticPodManifest)>();
        foreach (var component in present)
        {
            var nextPath = Path.Combine(from, component.ManifestFileName);
            var next = StaticPodRestarter.Checked(StaticPodManifest.Load(nextPath));
            var current = restarter.LoadChecked(component);
            if (File.ReadAllBytes(nextPath).AsSpan().SequenceEqual(File.ReadAllBytes(current.Path)))
            {
                log.WriteLine(
                    $"[upgrade/staticpods] current and new manifests of {component.Name} are equal, "
                        + $"skipping upgrade"
                );
                continue;
            }
            changes.Add((component, current, next));
        }
        return changes;
    }

    private string CreateBackupDir()
    {
        Directory.CreateDirectory(Settings.TmpDir, FileModes.PrivateDirectory);
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);
        var path = Path.Combine(Settings.TmpDir, $"kubeadm-backup-manifests-{stamp}");
        for (var n = 1; Directory.Exists(path); n++)
        {
            path = Path.Combine(Settings.TmpDir, $"kubeadm-backup-manifests-{stamp}-{n}");
        }
        Directory.CreateDirectory(path, FileModes.PrivateDirectory);
        log.WriteLine($"[upgrade/staticpods] Backing up the installed manifests to \"{path}\"");
        return path;
    }

    /// <summary>A copy of <paramref name="source"/> in the tmp dir (never in the manifests dir, which the kubelet reads
    /// whole) with the installed manifest's mode, flushed, ready to be renamed into place.</summary>
    private string Stage(string source, string installed)
    {
        var staged = Path.Combine(Settings.TmpDir, $"kubepki-staged-{Path.GetFileName(installed)}");
        var mode = File.Exists(installed) ? File.GetUnixFileMode(installed) : FileModes.Private;
        DiskFileStore.Instance.Write([new FileWrite(staged, File.ReadAllBytes(source), mode)]);
        return staged;
    }
}
