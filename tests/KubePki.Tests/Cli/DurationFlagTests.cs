using KubePki.TestKit;

namespace KubePki.Tests.Cli;

/// <summary>Every duration flag of the CLI reads Go's grammar (as kubeadm's and kubectl's flags) and refuses bad
/// text with the same one-line message; no cluster is needed, as flags are judged before anything is read.</summary>
public sealed class DurationFlagTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubepki-duration-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>(command line before the flag, the flag, whether zero is refused).</summary>
    public static TheoryData<string[], string, bool> Flags =>
        new()
        {
            { ["certs", "renew", "all"], "--lock-timeout", false },
            { ["certs", "renew", "all"], "--expiring-within", false },
            { ["certs", "check-expiration"], "--fail-within", false },
            { ["ca", "rotate", "start", "ca"], "--lock-timeout", false },
            { ["control-plane", "restart", "etcd"], "--lock-timeout", false },
            { ["control-plane", "restart", "etcd"], "--timeout", true },
            { ["renewal-timer", "render"], "--expiring-within", false },
            { ["renewal-timer", "render"], "--randomized-delay", false },
            { ["kubeconfig", "user", "--client-name", "alice"], "--validity-period", true },
            { ["controller", "--approve-kubelet-serving"], "--max-expiration", true },
            { ["controller", "--approve-kubelet-serving"], "--cluster-signing-duration", true },
            { ["controller", "--approve-kubelet-serving"], "--resync-period", true },
        };

    [Theory]
    [MemberData(nameof(Flags))]
    public void Refuses_what_Go_refuses_with_one_message(string[] command, string flag, bool positive)
    {
        var refused = positive ? new[] { "soon", "1d", "-1s", "1h-5m", "0s", "0" } : ["soon", "1d", "-1s", "1h-5m"];
        foreach (var text in refused)
        {
            var result = Run(command, flag, text);
            CliAssert.OneLineError(result);
            Assert.Equal(
                $"error: {flag}: \"{text}\" is not a valid {(positive ? "positive " : "")}duration (e.g. 720h)",
                result.Error.TrimEnd('\n')
            );
        }
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Reads_Go_units_and_fractions(string[] command, string flag, bool positive)
    {
        if (command[0] == "controller")
        {
            return; // accepted flags would start the controller; its parsing is the same helper as the others'
        }
        foreach (var text in new[] { "1h30m", "1.5h", "90s", "2h45m30.5s", "500ms", "+5m" })
        {
            var result = Run(command, flag, text);
            Assert.DoesNotContain(flag + ":", result.Error);
        }
        _ = positive;
    }

    [Fact]
    public void Lock_timeout_is_one_flag_in_every_command_that_waits_for_a_lock()
    {
        var lines = new[]
        {
            new[] { "certs", "renew", "all" },
            ["ca", "rotate", "start"],
            ["control-plane", "restart"],
            ["control-plane", "apply"],
        }
            .Select(command => CliRunner.Run([.. command, "--help"]))
            .Select(help => help.Out.Split('\n').Single(line => line.Contains("--lock-timeout")))
            // help aligns descriptions to each command's longest flag
            .Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();

        Assert.Contains("[default: 30s]", lines[0]);
        Assert.All(lines, line => Assert.Equal(lines[0], line));
    }

    private CliRunner.Result Run(string[] command, string flag, string text) =>
        CliRunner.Run([
            .. command,
            flag,
            text,
            .. command[0] switch
            {
                "renewal-timer" or "controller" or "kubeconfig" => Array.Empty<string>(),
                "control-plane" => ["--kubeconfig-dir", _root, "--manifests-dir", _root, "--dry-run"],
                _ => ["--cert-dir", Path.Combine(_root, "pki"), "--kubeconfig-dir", _root],
            },
        ]);
}
