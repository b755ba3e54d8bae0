using KubePki.TestKit;

namespace KubePki.Tests.Readme;

public class ReadmeExampleTests
{
    [Fact]
    public void The_library_example_makes_a_cluster_pki_renews_and_reads_expirations()
    {
        using var dir = new TempDir();
        var log = new StringWriter();

        var lines = LibraryExample.Run(dir.Path, FixtureKeys.Shared, log);

        Assert.True(File.Exists(dir.Combine("pki", "ca.crt")));
        Assert.True(File.Exists(dir.Combine("pki", "sa.key")));
        Assert.True(File.Exists(dir.Combine("admin.conf")));
        Assert.Contains(
            lines,
            l =>
                l.StartsWith("apiserver expires ", StringComparison.Ordinal)
                && l.EndsWith("(CA: ca)", StringComparison.Ordinal)
        );
        Assert.Contains(lines, l => l.StartsWith("etcd-ca expires ", StringComparison.Ordinal));
        Assert.Contains("renewed: 0", log.ToString());
    }

    [Fact]
    public void The_readme_shows_exactly_the_compiled_example()
    {
        var root = Architecture.SourceTree.Root;
        var source = File.ReadAllLines(Path.Combine(root, "tests", "KubePki.Tests", "Readme", "LibraryExample.cs"));
        var begin = Array.FindIndex(source, l => l.Trim() == "// readme:begin");
        var end = Array.FindIndex(source, l => l.Trim() == "// readme:end");
        var indent = source[begin].Length - source[begin].TrimStart().Length;
        var body = source[(begin + 1)..end].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart());
        var usings = source.Where(l => l.StartsWith("using KubePki.", StringComparison.Ordinal));
        var expected = string.Join('\n', usings.Append("").Concat(body));

        var readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n");
        var section = readme.IndexOf("## Use it from C#", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no 'Use it from C#' section");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var stop = readme.IndexOf("\n```", start, StringComparison.Ordinal);

        Assert.Equal(expected, readme[start..stop]);
    }
}
