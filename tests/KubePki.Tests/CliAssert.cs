using KubePki.TestKit;

namespace KubePki.Tests;

/// <summary>What every refused command looks like: exit code 1 and one line on stderr, "error: ..." holding each of
/// the expected parts (the file, flag or field it names).</summary>
internal static class CliAssert
{
    public static void OneLineError(CliRunner.Result result, params string[] expected)
    {
        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}, expected 1: {result.All}");
        Assert.StartsWith("error: ", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        foreach (var part in expected)
        {
            Assert.Contains(part, result.Error);
        }
    }
}
