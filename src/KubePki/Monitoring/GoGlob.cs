using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KubePki.Monitoring;

/// <summary>What a watched pattern must match: regular files (<c>--watch-file</c>, <c>--watch-kubeconf</c>) or
/// directories (<c>--watch-dir</c>).</summary>
internal enum GlobTarget
{
    Files,
    Directories,
}

/// <summary>Go's filepath.Glob and filepath.Match rules, as x509-certificate-exporter applies them to -f, -d and -k:
/// <c>*</c> and <c>?</c> within one path element, <c>[...]</c> classes with <c>^</c> and ranges, <c>\</c> escapes.
/// Expanded at every scrape, so files created later are picked up.</summary>
internal static class GoGlob
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Whether <paramref name="pattern"/> has glob syntax at all (else it names one path).</summary>
    public static bool HasMeta(string pattern) => pattern.AsSpan().IndexOfAny("*?[\\") >= 0;

    /// <summary>Throws <see cref="KubePkiException"/> naming <paramref name="what"/> when the pattern is malformed
    /// (Go's ErrBadPattern: an unclosed class, a trailing backslash, an empty class or range end).</summary>
    public static void Validate(string pattern, string what)
    {
        foreach (var element in pattern.Split('/'))
        {
            if (TryCompile(element) is null)
            {
                throw new KubePkiException($"{what}: \"{pattern}\" is not a valid glob pattern (Go's filepath.Match)");
            }
        }
    }

    /// <summary>The paths <paramref name="pattern"/> matches now (cleaned as Go's path.Clean, sorted per directory
    /// as Go's Glob lists them), keeping only regular files or only directories.</summary>
    public static IReadOnlyList<string> Expand(string pattern, GlobTarget target)
    {
        var found = new List<string>();
        Glob(pattern, found);
        return found
            .Select(GoPath.Clean)
            .Where(p => target == GlobTarget.Directories ? Directory.Exists(p) : !Directory.Exists(p))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Go's filepath.Match of one path element.</summary>
    public static bool Match(string pattern, string name) =>
        (TryCompile(pattern) ?? throw new KubePkiException($"\"{pattern}\" is not a valid glob pattern")).IsMatch(name);

    private static void Glob(string pattern, List<string> found)
    {
        if (!HasMeta(pattern))
        {
            if (Exists(pattern))
            {
                found.Add(pattern);
            }
            return;
        }
        var slash = pattern.LastIndexOf('/');
        var dir = slash < 0 ? "." : pattern[..(slash + 1)];
        var file = pattern[(slash + 1)..];
        dir =
            dir == "/" ? dir
            : dir.Length > 1 ? dir.TrimEnd('/')
            : dir;
        if (dir.Length == 0)
        {
            dir = "/";
        }
        if (!HasMeta(dir))
        {
            MatchIn(dir, file, found);
            return;
        }
        var parents = new List<string>();
        Glob(dir, parents);
        foreach (var parent in parents)
        {
            MatchIn(parent, file, found);
        }
    }

    private static void MatchIn(string dir, string pattern, List<string> found)
    {
        if (TryCompile(pattern) is not { } regex || !Directory.Exists(dir))
        {
            return;
        }
        IEnumerable<string> names;
        try
        {
            names = new DirectoryInfo(dir).EnumerateFileSystemInfos().Select(e => e.Name).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Go's Glob ignores I/O errors while reading a directory.
            return;
        }
        foreach (var name in names.Order(StringComparer.Ordinal).Where(n => regex.IsMatch(n)))
        {
            found.Add(
                dir == "." ? name
                : dir.EndsWith('/') ? dir + name
                : dir + "/" + name
            );
        }
    }

    // Lstat: a dangling symbolic link exists (its read then fails, which is a read error, as upstream counts it).
    private static bool Exists(string path)
    {
        try
        {
            return File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>One path element as an anchored regular expression, or null when Go would say ErrBadPattern.</summary>
    private static Regex? TryCompile(string pattern)
    {
        var regex = new StringBuilder("^");
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i++];
            switch (c)
            {
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\':
                    if (i == pattern.Length)
                    {
                        return null;
                    }
                    regex.Append(Literal(pattern[i++]));
                    break;
                case '[':
                    if (Class(pattern, ref i) is not { } text)
                    {
                        return null;
                    }
                    regex.Append(text);
                    break;
                default:
                    regex.Append(Literal(c));
                    break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, MatchTimeout);
    }

    // class := '[' ['^'] range+ ']' ; range := esc ['-' esc] ; esc := '\' any | any but '-' and ']'.
    private static string? Class(string pattern, ref int i)
    {
        var negated = i < pattern.Length && pattern[i] == '^';
        if (negated)
        {
            i++;
        }
        var ranges = new StringBuilder();
        var count = 0;
        while (true)
        {
            if (i < pattern.Length && pattern[i] == ']' && count > 0)
            {
                i++;
                break;
            }
            if (Escaped(pattern, ref i) is not { } lo)
            {
                return null;
            }
            var hi = lo;
            if (i < pattern.Length && pattern[i] == '-')
            {
                i++;
                if (Escaped(pattern, ref i) is not { } end)
                {
                    return null;
                }
                hi = end;
            }
            count++;
            // Go accepts a reversed range (it matches nothing); .NET would reject it.
            if (lo <= hi)
            {
                ranges.Append(Literal(lo)).Append('-').Append(Literal(hi));
            }
        }
        if (ranges.Length == 0)
        {
            return negated ? "[^/]" : "(?!)";
        }
        return negated ? $"[^/{ranges}]" : $"[{ranges}]";
    }

    private static char? Escaped(string pattern, ref int i)
    {
        if (i >= pattern.Length || pattern[i] is '-' or ']')
        {
            return null;
        }
        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length)
            {
                return null;
            }
        }
        return pattern[i++];
    }

    private static string Literal(char c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
}
