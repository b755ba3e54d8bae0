using KubePki.Crypto;

namespace KubePki.Cli.Commands;

/// <summary>What commands take from the outside world; tests pass writers, a fake clock and fixture keys.
/// <see cref="Time"/> dates what is issued and judged; <see cref="Waits"/> runs the waits and deadlines of restarts
/// (tests that freeze <see cref="Time"/> for certificates keep real waits, restart tests pass a clock that moves only
/// when the code waits).</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, TimeProvider Time, IKeyGenerator Keys)
{
    public TimeProvider Waits { get; init; } = TimeProvider.System;

    public static CliEnvironment Default => new(Console.Out, Console.Error, TimeProvider.System, KeyGenerator.Instance);
}
