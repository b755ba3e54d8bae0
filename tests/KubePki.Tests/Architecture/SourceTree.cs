namespace KubePki.Tests.Architecture;

/// <summary>The repository's source files, found from the test's output directory.</summary>
internal static class SourceTree
{
    public static string Root { get; } = FindRoot();

    /// <summary>The .cs files under the given repository directories, generated files (bin, obj) excluded.</summary>
    public static IEnumerable<string> CSharpFiles(params string[] directories) =>
        directories
            .Select(d => Path.Combine(Root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !IsGenerated(Path.GetRelativePath(Root, f)))
            .Order(StringComparer.Ordinal);

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static bool IsGenerated(string relative) =>
        relative.Replace('\\', '/').Split('/').Any(part => part is "bin" or "obj");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KubePki.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("KubePki.slnx not found above " + AppContext.BaseDirectory);
    }
}
