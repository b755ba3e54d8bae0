using System.CommandLine;

namespace KubePki.Cli.Commands;

/// <summary>--lock-timeout, one definition for every command that waits for another run holding the cluster's
/// lock.</summary>
internal static class LockTimeoutOption
{
    public static Option<string> Create() =>
        new("--lock-timeout")
        {
            Description = "How long to wait for another renewal, rotation or restart of this cluster to finish.",
            DefaultValueFactory = _ => "30s",
        };

    public static TimeSpan Read(ParseResult result, Option<string> option) =>
        DurationFlag.Read(result.GetValue(option)!, "--lock-timeout");
}
