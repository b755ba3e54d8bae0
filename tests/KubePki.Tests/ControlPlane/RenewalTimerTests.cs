using System.Globalization;
using KubePki.GoText;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary><c>renewal-timer render</c>, judged by <c>systemd-analyze verify</c>.</summary>
public sealed class RenewalTimerTests
{
    /// <summary>An executable that does nothing: systemd-analyze verify checks that ExecStart's binary exists and can
    /// be run.</summary>
    private static void StubProgram(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void Rendered_units_pass_systemd_analyze_verify()
    {
        using var dir = new TempDir("renewal-timer");
        var kubepki = dir.Combine("bin", "kube pki");
        StubProgram(kubepki);

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
        Assert.Contains("FixedRandomDelay=yes\n", timer);
        var verify = ExternalTool.Run(
            "systemd-analyze",
            ["verify", dir.Combine("units", "kubepki-renew.service"), dir.Combine("units", "kubepki-renew.timer")]
        );
        Assert.True(verify.ExitCode == 0 && verify.All.Trim() == "", verify.All);
    }

    [Theory]
    [InlineData("daily %n")]
    [InlineData("daily\\")]
    [InlineData("daily\nPersistent=false")]
    [InlineData("daily Europe/Berlin")]
    public void A_calendar_that_the_unit_file_would_read_differently_is_refused(string calendar)
    {
        var result = CliRunner.Run("renewal-timer", "render", "--on-calendar", calendar);
        CliAssert.OneLineError(result);
        Assert.StartsWith(
            $"error: --on-calendar {calendar.Replace("\n", "\\n", StringComparison.Ordinal)}: ",
            result.Error
        );
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void The_timer_draws_its_delay_once_per_node()
    {
        var result = CliRunner.Run("renewal-timer", "render");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("RandomizedDelaySec=3600\nFixedRandomDelay=yes\n", result.Out);
    }

    [Theory]
    [InlineData("monthly", "24h", "744h0m0s")]
    [InlineData("monthly", "720h", "744h0m0s")]
    [InlineData("weekly", "168h", "168h0m0s")]
    [InlineData("Mon..Fri 03:00", "72h", "72h0m0s")]
    [InlineData("*-*-01 *:*:00", "720h", "720h1m0s")]
    public void A_window_shorter_than_the_timer_period_plus_delay_and_margin_is_refused(
        string calendar,
        string expiringWithin,
        string period
    )
    {
        var result = CliRunner.Run(
            "renewal-timer",
            "render",
            "--on-calendar",
            calendar,
            "--expiring-within",
            expiringWithin
        );
        Assert.Equal(1, result.ExitCode);
        var within = GoDuration.Format(GoDuration.Parse(expiringWithin, "test"));
        Assert.StartsWith(
            $"error: --expiring-within {within}: shorter than the longest time between two runs of "
                + $"--on-calendar {calendar} ({period}) plus --randomized-delay 1h0m0s plus a 24h0m0s margin",
            result.Error
        );
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_window_that_covers_period_delay_and_margin_is_accepted()
    {
        var monthly = CliRunner.Run("renewal-timer", "render", "--on-calendar", "monthly", "--expiring-within", "769h");
        Assert.True(monthly.ExitCode == 0, monthly.All);
        var justShort = CliRunner.Run(
            "renewal-timer",
            "render",
            "--on-calendar",
            "monthly",
            "--expiring-within",
            "768h59m59s"
        );
        Assert.Equal(1, justShort.ExitCode);
    }

    [Fact]
    public void Hostile_paths_are_escaped_so_that_systemd_reads_them_back_exactly()
    {
        using var dir = new TempDir("renewal-timer");
        // The binary's name holds a space, a specifier, a dollar and a variable: systemd-analyze verify finds it only
        // if systemd unquotes and expands the rendered ExecStart back to this exact path.
        var kubepki = dir.Combine("bin 100%n", "kube pki;%i");
        StubProgram(kubepki);

        var result = CliRunner.Run(
            "renewal-timer",
            "render",
            "--output-dir",
            dir.Combine("units"),
            "--kubepki",
            kubepki,
            "--cert-dir",
            "/etc/kubernetes/pki $HOME ${HOME} 100%",
            "--config",
            "/etc/kube;adm.yaml"
        );

        Assert.True(result.ExitCode == 0, result.All);
        var service = File.ReadAllText(dir.Combine("units", "kubepki-renew.service"));
        Assert.Contains(
            $"ExecStart=\"{kubepki.Replace("%", "%%", StringComparison.Ordinal)}\" certs renew all "
                + "--expiring-within 720h0m0s --restart-control-plane --config \"/etc/kube;adm.yaml\" "
                + "--cert-dir \"/etc/kubernetes/pki $$HOME $${HOME} 100%%\"\n",
            service
        );
        var verify = ExternalTool.Run(
            "systemd-analyze",
            ["verify", dir.Combine("units", "kubepki-renew.service"), dir.Combine("units", "kubepki-renew.timer")]
        );
        Assert.True(verify.ExitCode == 0 && verify.All.Trim() == "", verify.All);
    }

    // Why render refuses rather than escapes them: systemd itself refuses a program path holding a quote or a
    // backslash, however it is quoted and escaped, and would look for "$$" literally (it does not expand the path).
    [Theory]
    [InlineData("kube\"pki", "\"{0}\"", "Executable name contains special characters")]
    [InlineData("kube'pki", "\"{0}\"", "Executable name contains special characters")]
    [InlineData("kube\\pki", "\"{0}\"", "Executable name contains special characters")]
    [InlineData("kube$pki", "{0}", null)]
    [InlineData("kube$pki", "{0}$", "is not executable")]
    public void Systemd_reads_program_paths_as_render_assumes(string name, string format, string? error)
    {
        using var dir = new TempDir("renewal-timer");
        var program = dir.Combine(name);
        StubProgram(program);
        var escaped = program
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", format.EndsWith('$') ? "$$" : "$", StringComparison.Ordinal);
        var unit = dir.Combine("probe.service");
        File.WriteAllText(
            unit,
            "[Unit]\nDescription=probe\n\n[Service]\nType=oneshot\nExecStart="
                + string.Format(CultureInfo.InvariantCulture, format.TrimEnd('$'), escaped)
                + " certs\n"
        );

        var verify = ExternalTool.Run("systemd-analyze", ["verify", unit]);

        if (error is null)
        {
            Assert.True(verify.ExitCode == 0 && verify.All.Trim() == "", verify.All);
        }
        else
        {
            Assert.NotEqual(0, verify.ExitCode);
            Assert.Contains(error, verify.All);
        }
    }

    [Theory]
    [InlineData("--kubepki", "/opt/kube\"pki")]
    [InlineData("--kubepki", "/opt/kube'pki")]
    [InlineData("--kubepki", "/opt/kube\\pki")]
    [InlineData("--kubepki", "/opt/$KUBEPKI/kubepki")]
    [InlineData("--cert-dir", "/etc/kubernetes/pki\\")]
    [InlineData("--cert-dir", "/etc/kubernetes/\"pki\"")]
    [InlineData("--config", "/etc/kubeadm.yaml'")]
    [InlineData("--kubeconfig-dir", "/etc/kubernetes\n/tmp")]
    [InlineData("--manifests-dir", "/etc/kubernetes/\\x41")]
    public void A_value_that_systemd_would_read_differently_is_refused_and_nothing_is_written(string flag, string value)
    {
        AssertRefusedAndNothingWritten(flag, value, $"error: {flag} ");
    }

    [Theory]
    [InlineData(
        "--on-calendar",
        "every full moon",
        "error: --on-calendar every full moon: not a systemd calendar event"
    )]
    [InlineData(
        "--kubepki",
        "kubepki",
        "error: --kubepki kubepki: must be an absolute path (systemd runs ExecStart without a shell)\n"
    )]
    public void A_value_systemd_cannot_use_is_refused_and_nothing_is_written(string flag, string value, string error)
    {
        AssertRefusedAndNothingWritten(flag, value, error);
    }

    private static void AssertRefusedAndNothingWritten(string flag, string value, string error)
    {
        using var dir = new TempDir("renewal-timer");
        var args = new List<string> { "renewal-timer", "render", "--output-dir", dir.Combine("units"), flag, value };
        if (flag != "--kubepki")
        {
            args.AddRange(["--kubepki", "/bin/true"]);
        }

        var result = CliRunner.Run([.. args]);

        CliAssert.OneLineError(result);
        Assert.StartsWith(error, result.Error);
        Assert.False(Directory.Exists(dir.Combine("units")));
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
}
