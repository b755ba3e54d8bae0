using KubePki.Configuration;

namespace KubePki.Cli.Commands.Ca;

/// <summary>--restart-control-plane: restarts the static pods whose files a rotation phase changed.</summary>
public static class ControlPlaneRestart
{
    public static void Run(CliEnvironment env, ClusterConfig config, IReadOnlyList<string> components)
    {
        throw new KubePkiException($"--restart-control-plane: the static-pod restart is not available in this build; "
            + $"restart {string.Join(", ", components)} yourself");
    }
}
