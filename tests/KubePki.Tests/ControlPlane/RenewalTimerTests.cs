using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary><c>renewal-timer render</c>, judged by <c>systemd-analyze verify</c>.</summary>
public sealed class RenewalTimerTests
{
    [Fact]
    public void Rendered_units_pass_systemd_analyze_verify()
    {
        using var dir = new TempDir("renewal-timer");
        // systemd-analyze checks that ExecStart's binary exists and is executable.
        var kubepki = dir.Combine("bin", "kube pki");
        Directory.CreateDirectory(Path.GetDirectoryName(kubepki)!);
        File.WriteAllText(kubepki, "#!/bin/sh\n");
        File.SetUnixFileMode(kubepki, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = CliRunner.Run(
            "renewal-timer",
            "render",
            "--output-dir",
            dir.Combine("units"),
            "--kubepki",
            kubepki,
            "--on-calendar",
            "Mon *-*-* 03:00:00",
            "--expiring-within",
            "720h",
            "--cert-dir",
            "/etc/kubernetes/pki",
            "--kubeconfig-dir",
            "/etc/kubernetes",
            "--timeout",
            "10m"
        );

        Assert.True(result.ExitCode == 0, result.All);
        var service = File.ReadAllText(dir.Combine("units", "kubepki-renew.service"));
        var timer = File.ReadAllText(dir.Combine("units", "kubepki-renew.timer"));
        Assert.Contains("Type=oneshot\n", service);
        Assert.Contains(
            $"ExecStart=\"{kubepki}\" certs renew all --expiring-within 720h0m0s --restart-control-plane "
                + $"--cert-dir /etc/kubernetes/pki --kubeconfig-dir /etc/kubernetes --timeout 10m\n",
            service
        );
        Assert.Contains("OnCalendar=Mon *-*-* 03:00:00\n", timer);
        Assert.Contains("Persistent=true\n", timer);
        Assert.Contains("RandomizedDelaySec=3600\n", timer);
        var verify = ExternalTool.Run(
            "systemd-analyze",
            ["verify", dir.Combine("units", "kubepki-renew.service"), dir.Combine("units", "kubepki-renew.timer")]
        );
        Assert.True(verify.ExitCode == 0 && verify.All.Trim() == "", verify.All);
    }

    [Fact]
    public void A_bad_calendar_is_caught_by_systemd_analyze_so_the_judge_can_fail()
    {
        using var dir = new TempDir("renewal-timer");
        var result = CliRunner.Run(
            "renewal-timer",
            "render",
            "--output-dir",
            dir.Path,
            "--kubepki",
            "/bin/true",
            "--on-calendar",
            "every full moon"
        );
        Assert.Equal(0, result.ExitCode);
        var verify = ExternalTool.Run(
            "systemd-analyze",
            ["verify", dir.Combine("kubepki-renew.service"), dir.Combine("kubepki-renew.timer")]
        );
        Assert.NotEqual(0, verify.ExitCode);
    }

    [Fact]
    public void Without_output_dir_the_units_are_printed()
    {
        var result = CliRunner.Run("renewal-timer", "render");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# kubepki-renew.service\n[Unit]\n", result.Out);
        Assert.Contains(
            "ExecStart=/usr/local/bin/kubepki certs renew all --expiring-within 720h0m0s "
                + "--restart-control-plane\n",
            result.Out
        );
        Assert.Contains("# kubepki-renew.timer\n", result.Out);
        Assert.Contains("OnCalendar=daily\n", result.Out);
    }

    [Fact]
    public void A_relative_kubepki_path_is_refused()
    {
        var result = CliRunner.Run("renewal-timer", "render", "--kubepki", "kubepki");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "error: --kubepki kubepki: must be an absolute path (systemd runs ExecStart without a shell)\n",
            result.Error
        );
    }
}
