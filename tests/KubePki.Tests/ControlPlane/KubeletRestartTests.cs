using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>The kubelet restart after a rotation phase: the operator's command through /bin/sh -c; a failing or hung
/// command is a one-line error naming --kubelet-restart-command; --dry-run only says what it would run.</summary>
public class KubeletRestartTests
{
    [Fact]
    public void Runs_the_command_through_sh()
    {
        using var dir = new TempDir("kubelet-restart");
        var marker = dir.Combine("restarted");
        var log = new StringWriter();
        KubeletRestart.Run($"echo one > {marker} && echo two >> {marker}", TimeSpan.FromSeconds(10), false, log);
        Assert.Equal(["one", "two"], File.ReadAllLines(marker));
        Assert.Contains("[kubelet] Restarting the kubelet: echo one", log.ToString());
    }

    [Fact]
    public void A_failing_command_is_one_line_naming_the_flag_and_its_output()
    {
        var error = Assert.Throws<KubePkiException>(() =>
            KubeletRestart.Run(
                "echo 'Failed to restart kubelet.service: Unit not found.' >&2; exit 5",
                TimeSpan.FromSeconds(10),
                false,
                TextWriter.Null
            )
        );
        Assert.Equal(
            "--kubelet-restart-command \"echo 'Failed to restart kubelet.service: Unit not found.' >&2; exit 5\" "
                + "exited 5: Failed to restart kubelet.service: Unit not found.",
            error.Message
        );
    }

    [Fact]
    public void A_hung_command_is_stopped_at_the_timeout()
    {
        var error = Assert.Throws<KubePkiException>(() =>
            KubeletRestart.Run("sleep 30", TimeSpan.FromMilliseconds(300), false, TextWriter.Null)
        );
        Assert.Contains("did not finish within", error.Message);
    }

    [Fact]
    public void Dry_run_runs_nothing()
    {
        using var dir = new TempDir("kubelet-restart");
        var marker = dir.Combine("restarted");
        var log = new StringWriter();
        KubeletRestart.Run($"touch {marker}", TimeSpan.FromSeconds(10), true, log);
        Assert.False(File.Exists(marker));
        Assert.Contains($"[dryrun] Would restart the kubelet: /bin/sh -c 'touch {marker}'", log.ToString());
    }
}
