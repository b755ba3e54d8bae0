using System.CommandLine;
using KubePki.ControlPlane;
using KubePki.Storage;

namespace KubePki.Cli.Commands.RenewalTimer;

/// <summary><c>kubepki renewal-timer render</c>: a systemd service and timer for unattended renewal.</summary>
public static class RenewalTimerCommand
{
    public static Command Create(CliEnvironment env)
    {
        var timer = new Command("renewal-timer", "Unattended certificate renewal with systemd.");
        var outputDir = new Option<string?>("--output-dir")
        {
            Description = "Write kubepki-renew.service and " + "kubepki-renew.timer here (default: print them).",
        };
        var onCalendar = new Option<string>("--on-calendar")
        {
            Description = "When the timer fires (systemd OnCalendar; checked with systemd-analyze where installed).",
            DefaultValueFactory = _ => "daily",
        };
        var expiringWithin = new Option<string>("--expiring-within")
        {
            Description =
                "Renew certificates that expire within this duration; at least the longest time between two "
                + "runs plus --randomized-delay plus 24h.",
            DefaultValueFactory = _ => "720h",
        };
        var randomizedDelay = new Option<string>("--randomized-delay")
        {
            Description = "Random delay added to each " + "run so that control-plane nodes do not restart together.",
            DefaultValueFactory = _ => "1h",
        };
        var kubepki = new Option<string>("--kubepki")
        {
            Description = "Absolute path of the kubepki binary.",
            DefaultValueFactory = _ => "/usr/local/bin/kubepki",
        };
        var passThrough = new[]
        {
            "--config",
            "--cert-dir",
            "--kubeconfig-dir",
            "--manifests-dir",
            "--kubelet-config",
            "--timeout",
        }
            .Select(name => new Option<string?>(name) { Description = $"Passed to certs renew as {name}." })
            .ToList();
        var render = new Command(
            "render",
            "Render kubepki-renew.service (certs renew all --expiring-within D --restart-control-plane) and "
                + "kubepki-renew.timer."
        );
        foreach (
            var option in new Option[] { outputDir, onCalendar, expiringWithin, randomizedDelay, kubepki }.Concat(
                passThrough
            )
        )
        {
            render.Options.Add(option);
        }
        render.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var spec = new RenewalTimerSpec(
                        result.GetValue(kubepki)!,
                        result.GetValue(onCalendar)!,
                        DurationFlag.Read(result.GetValue(expiringWithin)!, "--expiring-within"),
                        DurationFlag.Read(result.GetValue(randomizedDelay)!, "--randomized-delay"),
                        passThrough
                            .Where(o => result.GetValue(o) is not null)
                            .Select(o => (o.Name, result.GetValue(o)!))
                            .ToList()
                    );
                    var units = RenewalTimerUnits.Render(spec, CalendarJudges.Default(), env.Time.GetUtcNow());
                    if (result.GetValue(outputDir) is not { } dir)
                    {
                        env.Out.Write(string.Join("\n", units.Select(u => $"# {u.Name}\n{u.Content}")));
                        return 0;
                    }
                    DiskFileStore.Instance.Write(
                        units
                            .Select(u => FileWrite.Text(Path.Combine(dir, u.Name), u.Content, FileModes.Public))
                            .ToList()
                    );
                    foreach (var (name, _) in units)
                    {
                        env.Out.WriteLine($"[renewal-timer] Wrote {Path.Combine(dir, name)}");
                    }
                    return 0;
                }
            )
        );
        timer.Subcommands.Add(render);
        return timer;
    }
}
