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
    // The top-level commands in the order help lists them, each built only when asked for.
    private static readonly (string Name, Func<CliEnvironment, Command> Create)[] TopLevel =
    [
        ("init", InitCommand.Create),
        ("certs", CertsCommand.Create),
        ("ca", CaCommand.Create),
        ("kubeconfig", KubeconfigCommand),
        ("controller", Commands.Controller.ControllerCommand.Create),
        ("exporter", Commands.Exporter.ExporterCommand.Create),
        ("csr", CsrCommand.Create),
        ("kubelet", KubeletCommand.Create),
        ("config", ConfigCommand.Create),
        ("control-plane", Commands.ControlPlane.ControlPlaneCommand.Create),
        ("renewal-timer", Commands.RenewalTimer.RenewalTimerCommand.Create),
    ];

    public static RootCommand Create(CliEnvironment env) => Create(env, only: null);

    /// <summary>The tree, or with <paramref name="only"/> the root with just that top-level command: what parsing
    /// a command line that starts with its name needs (nothing there can name the others), and a short command
    /// does not pay for building the whole tree at every start.</summary>
    internal static RootCommand Create(CliEnvironment env, string? only)
    {
        var root = new RootCommand(
            "kubepki: create, inspect and renew the certificates and kubeconfig files of a kubeadm-style "
                + "Kubernetes cluster."
        );
        foreach (var (name, create) in TopLevel)
        {
            if (only is null || only == name)
            {
                root.Subcommands.Add(create(env));
            }
        }
        return root;
    }

    /// <summary>The tree a command line needs: the whole tree unless its first word names a top-level
    /// command.</summary>
    internal static RootCommand For(string[] args, CliEnvironment env) =>
        Create(env, args.Length > 0 && TopLevel.Any(c => c.Name == args[0]) ? args[0] : null);

    public static int Run(string[] args, CliEnvironment env) => Run(For(args, env), args, env);

    internal static int Run(RootCommand tree, string[] args, CliEnvironment env)
    {
        var result = tree.Parse(args);
        return IsUsageError(result, env)
            ? 1
            : result.Invoke(new InvocationConfiguration { Output = env.Out, Error = env.Error });
    }

    /// <summary>The process entry point: like <see cref="Run(string[], CliEnvironment)"/>, but SIGTERM and SIGINT
    /// cancel the running command (a Pod being stopped lets <c>controller</c> finish its work and release its Lease)
    /// instead of killing the process.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env)
    {
        var result = For(args, env).Parse(args);
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

    private static Command KubeconfigCommand(CliEnvironment env)
    {
        var kubeconfig = new Command("kubeconfig", "Kubeconfig file utilities.");
        kubeconfig.Subcommands.Add(KubeconfigUserCommand.Create(env));
        return kubeconfig;
    }
}
