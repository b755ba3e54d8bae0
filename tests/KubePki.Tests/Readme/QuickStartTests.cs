using KubePki.Kubeconfig;
using KubePki.TestKit;

namespace KubePki.Tests.Readme;

/// <summary>The README's quick start, run as written (in a temp dir): every step succeeds and the kubeconfigs point
/// at the control-plane endpoint the certificates were made for.</summary>
public class QuickStartTests
{
    [Fact]
    public void The_quick_start_commands_work_and_agree_on_the_control_plane_endpoint()
    {
        using var dir = new TempDir();
        var readme = File.ReadAllText(Path.Combine(Architecture.SourceTree.Root, "README.md")).Replace("\r\n", "\n");
        var section = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        var start = readme.IndexOf("```sh\n", section, StringComparison.Ordinal) + "```sh\n".Length;
        var block = readme[start..readme.IndexOf("\n```", start, StringComparison.Ordinal)].Replace("\\\n", " ");
        var commands = block.Split('\n').Where(l => l.StartsWith("kubepki ", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            var args = command
                .Replace("./k8s", dir.Combine("k8s"))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[1..];
            var result = CliRunner.Run(args);
            Assert.True(result.ExitCode == 0, $"{command}: {result.All}");
            Assert.DoesNotContain("WARNING", result.All);
        }
        var admin = KubeconfigFile.Parse(File.ReadAllText(dir.Combine("k8s", "admin.conf")), "admin.conf");
        Assert.Equal("https://api.example.com:6443", admin.Server);
    }
}
