using KubePki.TestKit;

namespace KubePki.Controller.Tests.Cli;

/// <summary>Runs the kubepki command tree off the test thread (its API commands block on async I/O): in-process, or as
/// the KUBEPKI_BIN binary when the clock is the real one.</summary>
public static class KubepkiProcess
{
    public static Task<CliRunner.Result> RunAsync(TimeProvider time, params string[] args) =>
        Task.Run(() => CliRunner.Run(time, null, args));

    public static Task<CliRunner.Result> RunAsync(params string[] args) => RunAsync(TimeProvider.System, args);
}
