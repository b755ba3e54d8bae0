using KubePki.Cli.Commands;
using KubePki.Cli;
using KubePki.Crypto;

namespace KubePki.TestKit;

/// <summary>Runs the kubepki command tree in-process with captured output, a fixed clock and fixture keys.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string All => Out + Error;
    }

    public static Result Run(TimeProvider time, IKeyGenerator? keys, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = KubePkiCli.Run(args, new CliEnvironment(output, error, time, keys ?? FixtureKeys.Shared));
        return new Result(code, output.ToString(), error.ToString());
    }

    public static Result Run(params string[] args) => Run(TimeProvider.System, null, args);
}
