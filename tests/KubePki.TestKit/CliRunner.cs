using System.Diagnostics;
using System.Runtime.InteropServices;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Crypto;

namespace KubePki.TestKit;

/// <summary>Runs the kubepki command tree in-process with captured output, a fixed clock and fixture keys — or, when
/// <c>KUBEPKI_BIN</c> names a built kubepki (CI sets it to the NativeAOT binary), runs that program for every
/// command that needs neither a fake clock nor particular keys (the real clock, <see cref="NowClock"/>, fixture or
/// no keys).</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string All => Out + Error;
    }

    /// <summary>The external kubepki binary named by KUBEPKI_BIN, or null to run in-process.</summary>
    public static string? Binary { get; } =
        Environment.GetEnvironmentVariable("KUBEPKI_BIN") is { Length: > 0 } path
            ? File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new FileNotFoundException($"KUBEPKI_BIN={path} does not exist")
            : null;

    public static Result Run(TimeProvider time, IKeyGenerator? keys, params string[] args)
    {
        if (Binary is { } binary && RunsAsProcess(time, keys))
        {
            var external = ExternalTool.Run(binary, args, timeout: TimeSpan.FromMinutes(2));
            return new Result(external.ExitCode, external.Out, external.Error);
        }
        var output = new StringWriter();
        var error = new StringWriter();
        var code = KubePkiCli.Run(args, new CliEnvironment(output, error, time, keys ?? FixtureKeys.Shared));
        return new Result(code, output.ToString(), error.ToString());
    }

    public static Result Run(params string[] args) => Run(TimeProvider.System, null, args);

    /// <summary>Runs a long-lived command (e.g. <c>controller</c>) until it exits or
    /// <paramref name="cancellationToken"/> fires; cancelling stops it as a service manager would (SIGTERM to the
    /// process; cancellation in-process).</summary>
    public static async Task<Result> RunUntilCancelledAsync(string[] args, CancellationToken cancellationToken)
    {
        if (Binary is not { } binary)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var command = KubePkiCli.Create(new CliEnvironment(output, error, TimeProvider.System, FixtureKeys.Shared));
            var code = await Task.Run(
                () =>
                    command
                        .Parse(args)
                        .InvokeAsync(
                            new System.CommandLine.InvocationConfiguration { Output = output, Error = error },
                            cancellationToken
                        ),
                CancellationToken.None
            );
            return new Result(code, output.ToString(), error.ToString());
        }
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await using (cancellationToken.Register(() => Terminate(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static bool RunsAsProcess(TimeProvider time, IKeyGenerator? keys) =>
        (ReferenceEquals(time, TimeProvider.System) || time is NowClock)
        && (keys is null || ReferenceEquals(keys, FixtureKeys.Shared));

    private static void Terminate(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                _ = Kill(process.Id, 15);
            }
        }
        catch (InvalidOperationException) { }
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}

/// <summary>A clock frozen at the current second, for tests whose certificates must be valid for real peers now. An
/// external kubepki (see <see cref="CliRunner.Binary"/>) uses the real clock instead, which differs by at most the
/// test's run time.</summary>
public sealed class NowClock() : Microsoft.Extensions.Time.Testing.FakeTimeProvider(Whole(DateTimeOffset.UtcNow))
{
    private static DateTimeOffset Whole(DateTimeOffset at) =>
        new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
