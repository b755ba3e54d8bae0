using KubePki.ControlPlane;

namespace KubePki.Cli.Commands.Ca;

/// <summary>--restart-control-plane for a rotation phase: opened before the phase changes anything (it takes the
/// control-plane lock and checks the manifests of the components the CA's files feed), then restarts, through the
/// static-pod restart, the components whose files the phase changed.</summary>
public sealed class ControlPlaneRestart : IDisposable
{
    private readonly HttpComponentProbe _probe;
    private readonly StaticPodRestarter _restarter;

    private ControlPlaneRestart(HttpComponentProbe probe, StaticPodRestarter restarter)
    {
        _probe = probe;
        _restarter = restarter;
    }

    internal static ControlPlaneRestart Open(
        CliEnvironment env,
        ControlPlaneSettings settings,
        TimeSpan lockWait,
        IReadOnlyList<string> components
    )
    {
        var probe = new HttpComponentProbe();
        try
        {
            var restarter = StaticPodRestarter.Open(settings, probe, TimeProvider.System, env.Out, lockWait);
            foreach (var component in ControlPlaneComponent.ParseList(components))
            {
                restarter.LoadChecked(component);
            }
            return new ControlPlaneRestart(probe, restarter);
        }
        catch
        {
            probe.Dispose();
            throw;
        }
    }

    public void Restart(IReadOnlyList<string> components) =>
        _restarter.RestartAsync(ControlPlaneComponent.ParseList(components)).GetAwaiter().GetResult();

    public void Dispose()
    {
        _restarter.Dispose();
        _probe.Dispose();
    }
}
