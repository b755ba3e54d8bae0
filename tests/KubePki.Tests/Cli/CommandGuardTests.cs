using KubePki.Cli.Commands;

namespace KubePki.Tests.Cli;

/// <summary>The CLI's one exception boundary, sync and async alike: what the user can act on is one line and exit
/// code 1; a bug propagates.</summary>
public class CommandGuardTests
{
    public static TheoryData<Exception, string> UserErrors =>
        new()
        {
            { new KubePkiException("--cert-dir: bad"), "error: --cert-dir: bad" },
            { new IOException("Disk full"), "error: Disk full" },
            { new UnauthorizedAccessException("Access denied"), "error: Access denied" },
            { new HttpRequestException("Connection refused"), "Unable to connect to the server: Connection refused" },
        };

    [Theory]
    [MemberData(nameof(UserErrors))]
    public void Sync_commands_print_one_line(Exception error, string expected)
    {
        var env = Env(out var stderr);
        Assert.Equal(1, CommandGuard.Run(env, () => throw error));
        Assert.Equal(expected + "\n", stderr.ToString());
    }

    [Theory]
    [MemberData(nameof(UserErrors))]
    public async Task Async_commands_print_the_same_line(Exception error, string expected)
    {
        var env = Env(out var stderr);
        Assert.Equal(1, await CommandGuard.RunAsync(env, () => Task.FromException<int>(error)));
        Assert.Equal(expected + "\n", stderr.ToString());
    }

    [Fact]
    public async Task A_bug_propagates()
    {
        var env = Env(out _);
        Assert.Throws<InvalidOperationException>(() =>
            CommandGuard.Run(env, () => throw new InvalidOperationException())
        );
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            CommandGuard.RunAsync(env, () => Task.FromException<int>(new InvalidOperationException()))
        );
    }

    private static CliEnvironment Env(out StringWriter stderr)
    {
        stderr = new StringWriter();
        return new CliEnvironment(new StringWriter(), stderr, TimeProvider.System, TestKit.FixtureKeys.Shared);
    }
}
