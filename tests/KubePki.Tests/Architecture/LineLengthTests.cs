namespace KubePki.Tests.Architecture;

/// <summary>The 120-character line limit of .editorconfig and .csharpierrc.yaml. CSharpier wraps code to it but
/// cannot split string literals or comments, so this test checks what it leaves. Only the body of a multi-line raw
/// string literal may be longer: it is data (an expected table, a manifest) whose lines must stay as they
/// are.</summary>
public class LineLengthTests
{
    private const int MaxLength = 120;

    [Fact]
    public void No_source_line_is_longer_than_120_characters()
    {
        var files = SourceTree.CSharpFiles("src", "tests", "bench").ToList();

        var failures = files
            .SelectMany(file => LongLines(file).Select(line => $"{SourceTree.Relative(file)}:{line}"))
            .ToList();

        Assert.True(files.Count > 100, $"only {files.Count} source files found under {SourceTree.Root}");
        Assert.True(failures.Count == 0, $"lines over {MaxLength} characters:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Only_raw_string_bodies_are_exempt()
    {
        var file = Path.GetTempFileName();
        try
        {
            var longText = new string('x', MaxLength + 1);
            File.WriteAllLines(
                file,
                ["var table = \"\"\"", longText, "\"\"\";", $"// {longText}", $"var s = \"{longText}\";"]
            );

            Assert.Equal([4, 5], LongLines(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IEnumerable<int> LongLines(string file)
    {
        var inRawString = false;
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            var opensOrCloses = CountRawDelimiters(line) % 2 == 1;
            if (!inRawString && !opensOrCloses && line.Length > MaxLength)
            {
                yield return number;
            }
            inRawString ^= opensOrCloses;
        }
    }

    private static int CountRawDelimiters(string line)
    {
        var count = 0;
        for (var at = line.IndexOf("\"\"\"", StringComparison.Ordinal); at >= 0; )
        {
            count++;
            at = line.IndexOf("\"\"\"", at + 3, StringComparison.Ordinal);
        }
        return count;
    }
}
