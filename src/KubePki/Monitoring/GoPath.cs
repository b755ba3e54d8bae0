using System.Text;

namespace KubePki.Monitoring;

/// <summary>Go's slash-separated path functions as x509-certificate-exporter applies them to its label values, so the
/// filepath and filename labels are the strings it would produce for the same file.</summary>
internal static class GoPath
{
    /// <summary>Go's path.Clean: one slash between elements, no "." elements, ".." resolved lexically, "." for
    /// empty.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }
        var rooted = path[0] == '/';
        var kept = new List<string>();
        foreach (var element in path.Split('/'))
        {
            switch (element)
            {
                case "" or ".":
                    break;
                case "..":
                    if (kept.Count > 0 && kept[^1] != "..")
                    {
                        kept.RemoveAt(kept.Count - 1);
                    }
                    else if (!rooted)
                    {
                        kept.Add("..");
                    }
                    break;
                default:
                    kept.Add(element);
                    break;
            }
        }
        var joined = string.Join('/', kept);
        return rooted ? "/" + joined
            : joined.Length == 0 ? "."
            : joined;
    }

    /// <summary>Go's path.Join: the non-empty elements joined by slashes and cleaned; "" when all are empty.</summary>
    public static string Join(params IEnumerable<string> elements)
    {
        var text = new StringBuilder();
        foreach (var element in elements.Where(e => e.Length > 0))
        {
            if (text.Length > 0)
            {
                text.Append('/');
            }
            text.Append(element);
        }
        return text.Length == 0 ? "" : Clean(text.ToString());
    }

    /// <summary>Go's filepath.Base: the last element after trailing slashes are removed.</summary>
    public static string Base(string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return path.Length == 0 ? "." : "/";
        }
        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }

    /// <summary>x509-certificate-exporter's --trim-path-components: drops the first <paramref name="count"/> elements
    /// of the path, keeping a leading "/" (which does not count as an element), and cleans the rest. Dropping more
    /// elements than there are leaves "/" (or "" for a relative path).</summary>
    public static string TrimComponents(string path, int count)
    {
        if (count == 0)
        {
            return path;
        }
        var elements = path.Split('/');
        var prefix = "";
        if (elements[0].Length == 0)
        {
            count++;
            prefix = "/";
        }
        var rest = elements.Skip(count);
        return Join(prefix, Join(rest));
    }
}
