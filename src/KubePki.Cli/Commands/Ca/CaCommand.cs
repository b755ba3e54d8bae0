using System.CommandLine;

namespace KubePki.Cli.Commands.Ca;

/// <summary><c>kubepki ca</c>: certificate authority tasks kubeadm leaves to a manual procedure.</summary>
public static class CaCommand
{
    public static Command Create(CliEnvironment env)
    {
        var ca = new Command("ca", "Commands related to the cluster's certificate authorities");
        ca.Subcommands.Add(CaRotateCommand.Create(env));
        return ca;
    }
}
