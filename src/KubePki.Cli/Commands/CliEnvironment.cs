using KubePki.Crypto;

namespace KubePki.Cli.Commands;

/// <summary>What commands take from the outside world; tests pass writers, a fake clock and fixture keys.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, IKeyGenerator Keys)
{
    public static CliEnvironment Default => new(Console.Out, Console.Error, TimeProvider.System, KeyGenerator.Instance);
}
