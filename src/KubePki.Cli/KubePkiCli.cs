using System.CommandLine;
using KubePki.Cli.Commands;
using KubePki.Cli.Commands.Ca;
using KubePki.Cli.Commands.Certs;
using KubePki.Cli.Commands.Config;
using KubePki.Cli.Commands.Csr;
using KubePki.Cli.Commands.Init;
using KubePki.Cli.Commands.Kubeconfig;
using KubePki.Cli.Commands.Kubelet;

namespace KubePki.Cli;

/// <summary>The <c>kubepki</c> command tree, named and shaped like kubeadm's.</summary>
public static class KubePkiCli
{
    public static RootCommand Create(CliEnvironment env)
    {
        var root = new RootCommand(
            "kubepki: create, inspect and renew the certificates and kubeconfig files of a kubeadm-style "
                + "Kubernetes cluster."
        );
        root.Subcommands.Add(InitCommand.Create(env));
        root.Subcommands.Add(CertsCommand.Create(env));
        root.Subcommands.Add(CaCommand.Create(env));
        var kubeconfig = new Command("kubeconfig", "Kubeconfig file utilities.");
        kubeconfig.Subcommands.Add(KubeconfigUserCommand.Create(env));
        root.Subcommands.Add(kubeconfig);
        root.Subcommands.Add(Commands.Controller.ControllerCommand.Create(env));
        root.Subcommands.Add(Commands.Exporter.ExporterCommand.Create(env));
        root.Subcommands.Add(CsrCommand.Create(env));
        root.Subcommands.Add(KubeletCommand.Create(env));
        root.Subcommands.Add(ConfigCommand.Create(env));
        root.Subcommands.Add(Commands.ControlPlane.ControlPlaneCommand.Create(env));
        root.Subcommands.Add(Commands.RenewalTimer.RenewalTimerCommand.Create(env));
        root.Subcommands.Add(Commands.Agent.AgentCommand.Create(env));
        root.Subcommands.Add(Commands.Cluster.ClusterCommand.Create(env));
        return root;
    }

    public static int Run(string[] args, CliEnvironment env)
    {
        var result = Create(env).Parse(args);
        return IsUsageError(result, env)
            ? 1
            : result.Invoke(new InvocationConfiguration { Output = env.Out, Error = env.Error });
    }

    /// <summary>The process entry point: like <see cref="Run"/>, but SIGTERM and SIGINT cancel the running command
    /// (a Pod being stopped lets <c>controller</c> finish its work and release its Lease) instead of killing the
    /// process.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env)
    {
        var result = Create(env).Parse(args);
        // Kubernetes allows 30 s between SIGTERM and SIGKILL; the controller needs at most its renew deadline to stop.
        var configuration = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(25),
        };
        return IsUsageError(result, env) ? 1 : await result.InvokeAsync(configuration);
    }

    private static bool IsUsageError(ParseResult result, CliEnvironment env)
    {
        if (result.Action is not System.CommandLine.Invocation.ParseErrorAction)
        {
            return false;
        }
        // A usage error is one line naming what is wrong, not a screen of help (that is what --help is for).
        var messages = result
            .Errors.Select(e => e.Message.TrimEnd('.'))
            .Where(m => m != "Required command was not provided")
            .ToList();
        var path = result.CommandResult.Command.Name == "kubepki" ? ["kubepki"] : CommandPath(result);
        var first = messages.Count > 0 ? messages[0] : "a sub-command is required";
        env.Error.WriteLine($"error: {first} (see '{string.Join(' ', path)} --help')");
        return true;
    }

    private static IEnumerable<string> CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (
            var symbol = result.CommandResult;
            symbol is not null;
            symbol = symbol.Parent as System.CommandLine.Parsing.CommandResult
        )
        {
            names.Insert(0, symbol.Command is RootCommand ? "kubepki" : symbol.Command.Name);
        }
        return names;
    }
}
