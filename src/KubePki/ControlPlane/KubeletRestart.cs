using System.Diagnostics;

namespace KubePki.ControlPlane;

/// <summary>Restarts the node's kubelet, which reads what it trusts (<c>clientCAFile</c>, kubelet.conf's CA) and
/// presents (kubelet.conf's client certificate) only when it starts: the operator's command
/// (<c>--kubelet-restart-command</c>, by default <c>systemctl restart kubelet</c>) run through <c>/bin/sh -c</c>.
/// Static pods keep running while the kubelet restarts.</summary>
internal static class KubeletRestart
{
    public const string DefaultCommand = "systemctl restart kubelet";

    public static void Run(string command, TimeSpan timeout, bool dryRun, TextWriter log)
    {
        if (dryRun)
        {
            log.WriteLine($"[dryrun] Would restart the kubelet: /bin/sh -c '{command}'");
            return;
        }
        log.WriteLine($"[kubelet] Restarting the kubelet: {command}");
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process =
            Process.Start(info)
            ?? throw new KubePkiException("--kubelet-restart-command: /bin/sh did not start", KubePkiErrorKind.Io);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new KubePkiException(
                $"--kubelet-restart-command \"{command}\" did not finish within {StaticPodRestarter.Seconds(timeout)}"
            );
        }
        var text = (output.Result + error.Result).Trim();
        if (process.ExitCode != 0)
        {
            throw new KubePkiException(
                $"--kubelet-restart-command \"{command}\" exited {process.ExitCode}"
                    + (text.Length > 0 ? $": {text.ReplaceLineEndings(" ")}" : "")
            );
        }
        if (text.Length > 0)
        {
            log.WriteLine(text);
        }
        log.WriteLine("[kubelet] The kubelet was restarted: it now trusts and presents the files this phase wrote");
    }
}
