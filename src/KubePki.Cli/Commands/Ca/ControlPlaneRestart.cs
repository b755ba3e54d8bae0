using KubePki.Configuration;

namespace KubePki.Cli.Commands.Ca;

/// <summary>--restart-control-plane for a rotation phase: opened (and so checked) before the phase changes anything,
/// then asked to restart the static pods whose files the phase changed.</summary>
public sealed class ControlPlaneRestart : IDisposable
{
    private ControlPlaneRestart()
    {
    }

    /// <summary>Refused before any file changes while this build has no static-pod restart.</summary>
    public static ControlPlaneRestart Open(CliEnvironment env, ClusterConfig config) =>
        throw new KubePkiException("--restart-control-plane: the static-pod restart is not available in this build; "
            + "run the phase without it and restart the components it names yourself");

    public void Restart(IReadOnlyList<string> components)
    {
    }

    public void Dispose()
    {
    }
}
