using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>Where a certificate change restarts the static pods that use it, and how long it waits.</summary>
internal sealed record RestartRequest(ControlPlaneSettings Settings, TimeSpan LockTimeout);

/// <summary>The one way a control-plane node's certificates change and the components that use them restart: opened
/// before anything changes (it takes the control-plane lock, puts back what a crashed run left outside, and checks
/// the manifest of every component that may need a restart), then the change — a renewal here, or a CA rotation phase
/// run by the caller — then the restart of exactly the components that use what changed. <c>certs renew</c>,
/// <c>ca rotate</c> and the cluster agent all go through it.</summary>
internal sealed class ControlPlaneRefresh : IDisposable
{
    private readonly HttpComponentProbe? _ownedProbe;
    private readonly StaticPodRestarter _restarter;
    private readonly TextWriter _log;

    private ControlPlaneRefresh(HttpComponentProbe? ownedProbe, StaticPodRestarter restarter, TextWriter log)
    {
        _ownedProbe = ownedProbe;
        _restarter = restarter;
        _log = log;
    }

    public ControlPlaneSettings Settings => _restarter.Settings;

    /// <summary>Opens a refresh for a change that may touch what <paramref name="mayRestart"/> use. Without a
    /// <paramref name="probe"/>, components are judged over HTTP(S) as the kubelet judges them.</summary>
    public static ControlPlaneRefresh Open(
        RestartRequest request,
        IEnumerable<ControlPlaneComponent> mayRestart,
        TimeProvider time,
        TextWriter log,
        IComponentProbe? probe = null
    )
    {
        var owned = probe is null ? new HttpComponentProbe() : null;
        try
        {
            var restarter = StaticPodRestarter.Open(request.Settings, probe ?? owned!, time, log, request.LockTimeout);
            try
            {
                foreach (var component in mayRestart.Distinct())
                {
                    restarter.LoadChecked(component);
                }
            }
            catch
            {
                restarter.Dispose();
                throw;
            }
            return new ControlPlaneRefresh(owned, restarter, log);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>The components that must restart for a renewal of <paramref name="items"/>: every component that
    /// uses one of them, in upgrade order.</summary>
    public static IReadOnlyList<ControlPlaneComponent> Users(IEnumerable<string> items) =>
        ComponentCertificates.Owners(items);

    /// <summary>Renews the items (see
    /// <see cref="Renewer.Renew(IReadOnlyList{RenewableItem}, RenewalOptions)"/>) under this refresh's lock, then
    /// restarts the components that use what was renewed.</summary>
    public async Task<RenewalResult> RenewAsync(
        Renewer renewer,
        IReadOnlyList<RenewableItem> items,
        RenewalOptions options,
        CancellationToken cancellationToken = default
    )
    {
        var renewed = renewer.Renew(items, options);
        var users = Users(renewed.Renewed);
        _log.WriteLine(
            users.Count == 0
                ? "[control-plane] No renewed certificate is used by a static-pod component: nothing to restart"
                : "[control-plane] Restarting the components that use the renewed certificates: "
                    + string.Join(", ", users.Select(c => c.Name))
        );
        await RestartAsync(users, cancellationToken).ConfigureAwait(false);
        return renewed;
    }

    /// <summary>Restarts the components one at a time in upgrade order, each waited for until healthy.</summary>
    public Task RestartAsync(
        IReadOnlyList<ControlPlaneComponent> components,
        CancellationToken cancellationToken = default
    ) => _restarter.RestartAsync(components, cancellationToken);

    /// <summary>Null when every component with a manifest on this node passes its probes now (and, with
    /// <paramref name="servedCertificate"/>, serves the certificate on disk: not before a renewed component's
    /// restart); otherwise the first one that does not, with what it waits for.</summary>
    public static async Task<string?> UnhealthyAsync(
        ControlPlaneSettings settings,
        IComponentProbe probe,
        bool servedCertificate,
        CancellationToken cancellationToken = default
    )
    {
        var health = new ComponentHealth(probe);
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            var path = settings.ManifestPath(component);
            if (DiskFileStore.Instance.Inspect(path, followLinks: true) is null)
            {
                continue;
            }
            var manifest = StaticPodRestarter.Checked(StaticPodManifest.Load(path));
            var snapshot = await health
                .CheckAsync(component, manifest, cancellationToken, servedCertificate)
                .ConfigureAwait(false);
            if (!snapshot.Healthy)
            {
                return $"{component.Name} unhealthy ({snapshot.Waiting})";
            }
        }
        return null;
    }

    public void Dispose()
    {
        _restarter.Dispose();
        _ownedProbe?.Dispose();
    }
}
