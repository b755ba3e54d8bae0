using System.CommandLine;

namespace KubePki.Cli.Commands.Kubelet;

/// <summary><c>kubepki kubelet</c>: kubelet configuration changes the certificates API needs.</summary>
public static class KubeletCommand
{
    public static Command Create(CliEnvironment env)
    {
        var kubelet = new Command("kubelet", "Kubelet configuration for certificates");
        kubelet.Subcommands.Add(EnableServingBootstrapCommand.Create(env));
        return kubelet;
    }
}
