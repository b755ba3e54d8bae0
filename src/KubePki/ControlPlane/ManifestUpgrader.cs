using System.Globalization;
using KubePki.Files;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>What <c>control-plane apply</c> does besides installing manifests (kubeadm's UpgradeConfiguration
/// apply.certificateRenewal and apply.etcdUpgrade).</summary>
/// <param name="Renewal">Renews certificates (null: no certificate renewal).</param>
/// <param name="EtcdUpgrade">False: etcd's manifest is left as it is.</param>
internal sealed record ApplyOptions(ComponentCertRenewal? Renewal, bool EtcdUpgrade = true);

/// <summary>The static-pod step of <c>kubeadm upgrade apply|node</c> on its own (kubeadm's StaticPodControlPlane): for
/// each component, in upgrade order, whose new manifest differs from the installed one (compared as objects), renew the
/// component's certificates, copy the installed manifest to
/// <c>&lt;kubeconfig-dir&gt;/tmp/kubeadm-backup-manifests-&lt;timestamp&gt;/</c>, replace it in place and wait until
/// the kubelet has restarted the component and it is healthy. etcd is first checked healthy and its data dir copied to
/// <c>kubeadm-backup-etcd-&lt;timestamp&gt;/</c>; an older etcd is not installed. When a component fails, every
/// component the run replaced gets its old manifest back (etcd only when etcd itself failed, as kubeadm's
/// rollbackOldManifests). With certificate renewal, admin.conf (and super-admin.conf) is renewed last.</summary>
internal sealed class ManifestUpgrader(StaticPodRestarter restarter, TimeProvider time, TextWriter log)
{
    private sealed record Replaced(
        ControlPlaneComponent Component,
        byte[] OldBytes,
        StaticPodManifest Old,
        string Backup,
        ComponentCertRenewal.Renewed? Renewed
    );

    private ControlPlaneSettings Settings => restarter.Settings;

    private string? _backupDir;

    /// <summary>Installs <paramref name="manifests"/> (read and checked by <see cref="NewManifest.ReadAll"/>). Returns
    /// the components whose manifest was replaced (with --dry-run: would be).</summary>
    public async Task<IReadOnlyList<ControlPlaneComponent>> ApplyAsync(
        IReadOnlyList<NewManifest> manifests,
        ApplyOptions options,
        CancellationToken cancellationToken = default
    )
    {
        var replaced = new List<Replaced>();
        var changed = new List<ControlPlaneComponent>();
        foreach (var next in manifests.OrderBy(m => m.Component.Order))
        {
            var component = next.Component;
            if (component == ControlPlaneComponent.Etcd && !options.EtcdUpgrade)
            {
                log.WriteLine("[upgrade/etcd] etcd upgrade is disabled (etcdUpgrade: false); etcd is left as it is");
                continue;
            }
            log.WriteLine($"[upgrade/staticpods] Preparing for \"{component.Name}\" upgrade");
            var current = NewManifest.Read(component, Settings.ManifestPath(component));
            if (ManifestEquality.AreEqual(current.Tree, next.Tree))
            {
                log.WriteLine(
                    $"[upgrade/staticpods] Current and new manifests of {component.Name} are equal, skipping upgrade"
                );
                continue;
            }
            EtcdDataBackup? etcdData = null;
            if (component == ControlPlaneComponent.Etcd)
            {
                if (!await PrepareEtcdAsync(current, next, manifests, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
                etcdData = Settings.DryRun ? null : BackUpEtcdData(current);
            }
            changed.Add(component);
            if (Settings.DryRun)
            {
                var renew = options.Renewal is null
                    ? ""
                    : $"renew {string.Join(", ", ComponentCertificates.Of(component))}, ";
                log.WriteLine(
                    $"[dryrun] Would back up {current.Path}, {renew}install {next.Path} "
                        + $"and wait up to {Settings.TimeoutText} until \"{component.Name}\" is healthy"
                );
                continue;
            }
            var renewed = options.Renewal?.Renew(component);
            var backup = Path.Combine(BackupDir(), component.ManifestFileName);
            CopyForBackup(current, backup);
            var installedAt = time.GetUtcNow();
            Install(component, next.Bytes);
            replaced.Add(new Replaced(component, current.Bytes, current.Parsed, backup, renewed));
            log.WriteLine(
                $"[upgrade/staticpods] Moved new manifest to \"{current.Path}\" and backed up old manifest to "
                    + $"\"{backup}\""
            );
            log.WriteLine("[upgrade/staticpods] Waiting for the kubelet to restart the component");
            log.WriteLine(
                $"[upgrade/staticpods] This might take a minute or longer depending on the component/version gap "
                    + $"(timeout {Settings.TimeoutText})"
            );
            var failure = await WaitRestartedAsync(
                    component,
                    next.Parsed,
                    installedAt,
                    installedAt + Settings.Timeout,
                    cancellationToken
                )
                .ConfigureAwait(false);
            if (failure is not null)
            {
                var reason =
                    $"\"{component.Name}\" did not become healthy within {Settings.TimeoutText} with its new "
                    + $"manifest (still waiting for {failure})";
                if (component == ControlPlaneComponent.Etcd)
                {
                    log.WriteLine($"[upgrade/etcd] Failed to upgrade etcd: {reason}");
                }
                await RollBackAsync(replaced, component, reason, options.Renewal, etcdData, cancellationToken)
                    .ConfigureAwait(false);
            }
            log.WriteLine($"[upgrade/staticpods] Component \"{component.Name}\" upgraded successfully!");
        }
        if (options.Renewal is not null)
        {
            if (Settings.DryRun)
            {
                log.WriteLine("[dryrun] Would renew admin.conf (and super-admin.conf where it exists)");
            }
            else
            {
                try
                {
                    options.Renewal.RenewAdminKubeconfigs();
                }
                catch (KubePkiException e)
                {
                    await RollBackAsync(
                            replaced,
                            null,
                            $"failed to upgrade the admin.conf certificates: {e.Message}",
                            options.Renewal,
                            null,
                            cancellationToken
                        )
                        .ConfigureAwait(false);
                }
            }
        }
        return changed;
    }

    /// <summary>kubeadm's checks before etcd's manifest is replaced: etcd must be healthy now, and the new manifest's
    /// etcd must not be older than the installed one (an older one is skipped, and the run goes on). False: leave etcd
    /// as it is.</summary>
    private async Task<bool> PrepareEtcdAsync(
        NewManifest current,
        NewManifest next,
        IReadOnlyList<NewManifest> manifests,
        CancellationToken cancellationToken
    )
    {
        var component = ControlPlaneComponent.Etcd;
        if (!Settings.DryRun)
        {
            var unhealthy = await restarter
                .WaitHealthyAsync(component, current.Parsed, DateTimeOffset.MinValue, cancellationToken)
                .ConfigureAwait(false);
            if (unhealthy is not null)
            {
                throw new KubePkiException($"etcd cluster is not healthy: still waiting for {unhealthy}");
            }
        }
        var installed = EtcdVersion.FromImage(current.Image);
        var desired = EtcdVersion.FromImage(next.Image);
        if (installed is null || desired is null)
        {
            var (path, image) = installed is null ? (current.Path, current.Image) : (next.Path, next.Image);
            throw new KubePkiException(
                $"{path}: failed to parse the etcd version of image \"{image ?? ""}\" "
                    + "(expected a tag such as 3.5.15-0)",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (desired.CompareTo(installed) < 0)
        {
            log.WriteLine(
                $"[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this "
                    + $"Kubernetes version \"{KubernetesVersion(manifests)}\" is \"{desired}\", but the current etcd "
                    + $"version is \"{installed}\". Won't downgrade etcd, instead just continue"
            );
            return false;
        }
        return true;
    }

    /// <summary>The Kubernetes version the new manifests install: kube-apiserver's image tag.</summary>
    private string KubernetesVersion(IReadOnlyList<NewManifest> manifests)
    {
        var apiserver = manifests.FirstOrDefault(m => m.Component == ControlPlaneComponent.KubeApiServer);
        string? image;
        try
        {
            image =
                apiserver?.Image
                ?? NewManifest
                    .Read(
                        ControlPlaneComponent.KubeApiServer,
                        Settings.ManifestPath(ControlPlaneComponent.KubeApiServer)
                    )
                    .Image;
        }
        catch (KubePkiException)
        {
            image = null;
        }
        var colon = image?.LastIndexOf(':') ?? -1;
        return image is not null && colon > image.LastIndexOf('/') ? image[(colon + 1)..] : "";
    }

    private EtcdDataBackup BackUpEtcdData(NewManifest current)
    {
        var dataDir =
            current.Parsed.Flag("--data-dir")
            ?? throw new KubePkiException(
                $"{current.Path}: etcd has no --data-dir; cannot back up its data",
                KubePkiErrorKind.InvalidFile
            );
        var backupDir = CreateTimestampDir("kubeadm-backup-etcd");
        var backup = EtcdDataBackup.Create(dataDir, backupDir);
        log.WriteLine($"[upgrade/etcd] Backed up the etcd data dir \"{dataDir}\" to \"{backupDir}\"");
        return backup;
    }

    /// <summary>Waits until the kubelet has had the chance to see the new manifest (one fileCheckFrequency; two unless
    /// the component was seen down in between, so an old process still answering is not taken for the new one) and
    /// the component is healthy. Null when it is, else what it was still waiting for at the deadline.</summary>
    private async Task<string?> WaitRestartedAsync(
        ControlPlaneComponent component,
        StaticPodManifest manifest,
        DateTimeOffset installedAt,
        DateTimeOffset deadline,
        CancellationToken cancellationToken
    )
    {
        var sawDown = false;
        while (true)
        {
            var failure = await restarter
                .WaitHealthyAsync(component, manifest, DateTimeOffset.MinValue, cancellationToken)
                .ConfigureAwait(false);
            var elapsed = time.GetUtcNow() - installedAt;
            if (failure is not null)
            {
                sawDown = true;
            }
            else if (
                elapsed >= Settings.FileCheckFrequency
                && (sawDown || elapsed >= Settings.FileCheckFrequency + Settings.FileCheckFrequency)
            )
            {
                return null;
            }
            if (time.GetUtcNow() >= deadline)
            {
                return failure ?? "the kubelet to restart it";
            }
            await Task.Delay(Settings.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>kubeadm's rollbackOldManifests: every manifest the run replaced is put back (etcd's only when etcd
    /// failed: its data may already be upgraded), with the certificates renewed for it; then waits until those
    /// components are healthy. When etcd failed and the old etcd does not come back, its data dir is restored from the
    /// copy, as kubeadm's rollbackEtcdData. Always throws.</summary>
    private async Task RollBackAsync(
        IReadOnlyList<Replaced> replaced,
        ControlPlaneComponent? failed,
        string reason,
        ComponentCertRenewal? renewal,
        EtcdDataBackup? etcdData,
        CancellationToken cancellationToken
    )
    {
        var restoreEtcd = failed == ControlPlaneComponent.Etcd;
        var restore = replaced.Where(r => r.Component != ControlPlaneComponent.Etcd || restoreEtcd).Reverse().ToList();
        var kept = replaced.Where(r => !restore.Contains(r)).Select(r => r.Component.Name).ToList();
        foreach (var item in restore)
        {
            if (item.Renewed is { Items.Count: > 0 } renewed)
            {
                renewal!.Restore(renewed);
            }
            Install(item.Component, item.OldBytes);
            log.WriteLine(
                $"[upgrade/staticpods] Rolled back \"{item.Component.Name}\" to its old manifest from \"{item.Backup}\""
            );
        }
        var rolledBackAt = time.GetUtcNow();
        var deadline = rolledBackAt + Settings.Timeout;
        var unhealthy = new List<string>();
        foreach (var item in restore)
        {
            if (item.Component == ControlPlaneComponent.Etcd)
            {
                log.WriteLine("[upgrade/etcd] Waiting for previous etcd to become available");
            }
            var failure = await WaitRestartedAsync(item.Component, item.Old, rolledBackAt, deadline, cancellationToken)
                .ConfigureAwait(false);
            if (failure is not null && item.Component == ControlPlaneComponent.Etcd && etcdData is not null)
            {
                log.WriteLine($"[upgrade/etcd] Failed to healthcheck previous etcd: still waiting for {failure}");
                log.WriteLine("[upgrade/etcd] Rolling back etcd data");
                etcdData.Restore();
                log.WriteLine("[upgrade/etcd] Etcd data rollback successful");
                log.WriteLine("[upgrade/etcd] Waiting for previous etcd to become available");
                failure = await restarter
                    .WaitHealthyAsync(item.Component, item.Old, time.GetUtcNow() + Settings.Timeout, cancellationToken)
                    .ConfigureAwait(false);
            }
            if (failure is not null)
            {
                unhealthy.Add($"\"{item.Component.Name}\" (still waiting for {failure})");
            }
            else if (item.Component == ControlPlaneComponent.Etcd)
            {
                log.WriteLine("[upgrade/etcd] Etcd was rolled back and is now available");
            }
        }
        var names = string.Join(", ", restore.Select(r => r.Component.Name));
        var certs = restore.Any(r => r.Renewed is { Items.Count: > 0 }) ? " and certificates" : "";
        var outcome =
            restore.Count == 0
                ? "no manifest had been replaced"
                : $"rolled back {names} to the old manifest{(restore.Count > 1 ? "s" : "")}{certs} "
                    + $"(backup {BackupDir()})"
                    + (
                        unhealthy.Count == 0
                            ? $", which {(restore.Count > 1 ? "are" : "is")} healthy"
                            : $", but not healthy: {string.Join(", ", unhealthy)}"
                    );
        var etcdNote =
            kept.Count > 0 ? "; etcd keeps its new manifest (its data may already be upgraded), as kubeadm's does" : "";
        var dataNote = etcdData is null ? "" : $"; the etcd data backup is in {etcdData.BackupDir}";
        throw new KubePkiException($"couldn't upgrade the control plane: {reason}; {outcome}{etcdNote}{dataNote}");
    }

    /// <summary>Replaces the installed manifest in place (kubeadm does not move it out first): a temp file named with
    /// a leading dot, which the kubelet ignores, renamed over it, keeping its owner, group and mode.</summary>
    private void Install(ControlPlaneComponent component, byte[] bytes) =>
        DiskFileStore.Instance.Write([new FileWrite(Settings.ManifestPath(component), bytes, FileModes.Private)]);

    private static void CopyForBackup(NewManifest current, string backup)
    {
        var facts = Posix.Stat(current.Path, follow: true)!;
        DiskFileStore.Instance.Write([
            new FileWrite(backup, current.Bytes, facts.Mode & FileModes.PrivateDirectory)
            {
                Owner = new FileOwner(facts.Uid, facts.Gid),
                DirectoryMode = FileModes.PrivateDirectory,
            },
        ]);
    }

    private string BackupDir() => _backupDir ??= CreateTimestampDir("kubeadm-backup-manifests");

    /// <summary>kubeadm's constants.CreateTimestampDirForKubeadm: <c>tmp/&lt;prefix&gt;-YYYY-MM-DD-HH-MM-SS</c>, 0700
    /// (a counter is added if a run in the same second made one).</summary>
    private string CreateTimestampDir(string prefix)
    {
        DiskFileStore.Instance.CreateDirectory(Settings.TmpDir, FileModes.PrivateDirectory);
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);
        var path = Path.Combine(Settings.TmpDir, $"{prefix}-{stamp}");
        for (var n = 1; Posix.Stat(path, follow: false) is not null; n++)
        {
            path = Path.Combine(Settings.TmpDir, $"{prefix}-{stamp}-{n}");
        }
        DiskFileStore.Instance.CreateDirectory(path, FileModes.PrivateDirectory);
        return path;
    }
}
