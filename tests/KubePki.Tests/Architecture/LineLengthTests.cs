namespace KubePki.Tests.Architecture;

/// <summary>The 120-character line limit of .editorconfig, which no Roslyn rule enforces. Files listed in
/// line-length-baseline.txt predate the limit: each may keep at most its listed number of long lines until it is
/// wrapped (lower or drop its entry then); every other file must have none.</summary>
public class LineLengthTests
{
    private const int MaxLength = 120;

    [Fact]
    public void No_source_line_is_longer_than_120_characters()
    {
        var baselinePath = Path.Combine(SourceTree.Root, "tests/KubePki.Tests/Architecture/line-length-baseline.txt");
        var baseline = File.ReadAllLines(baselinePath)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture),
                StringComparer.Ordinal);
        var files = SourceTree.CSharpFiles("src", "tests", "bench").ToList();

        var failures = new List<string>();
        foreach (var file in files)
        {
            var path = SourceTree.Relative(file);
            var tooLong = File.ReadAllLines(file)
                .Select((line, index) => (Line: index + 1, line.Length))
                .Where(l => l.Length > MaxLength)
                .ToList();
            if (tooLong.Count > baseline.GetValueOrDefault(path))
            {
                var lines = string.Join(", ", tooLong.Select(l => l.Line));
                failures.Add($"{path}: {tooLong.Count} lines over {MaxLength} characters "
                    + $"(allowed {baseline.GetValueOrDefault(path)}), at lines {lines}");
            }
        }

        Assert.True(files.Count > 100, $"only {files.Count} source files found under {SourceTree.Root}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
