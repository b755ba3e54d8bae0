using System.Text.RegularExpressions;

namespace KubePki.Tests.Architecture;

/// <summary>Which namespace uses which, read from source: <c>using</c> directives, fully qualified names, and type
/// names a file sees from an enclosing namespace without a using. Each edge keeps one file as evidence.</summary>
internal sealed partial class NamespaceGraph
{
    private readonly Dictionary<string, SortedDictionary<string, string>> _edges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Namespaces => _edges.Keys;

    public IEnumerable<(string From, string To, string Evidence)> Edges =>
        _edges.SelectMany(e => e.Value.Select(to => (e.Key, to.Key, to.Value)));

    public void Add(string from, string to, string evidence)
    {
        Node(from);
        Node(to);
        if (from != to)
        {
            _edges[from].TryAdd(to, evidence);
        }
    }

    public static NamespaceGraph FromSources(IEnumerable<string> files)
    {
        var sources = files
            .Select(f => (Path: SourceTree.Relative(f), Code: StripCommentsAndStrings(File.ReadAllText(f))))
            .Select(s => (s.Path, s.Code, Namespace: NamespaceOf(s.Code)))
            .Where(s => s.Namespace is not null)
            .ToList();
        var declared = sources.Select(s => s.Namespace!).ToHashSet(StringComparer.Ordinal);
        var typesByNamespace = sources
            .SelectMany(s =>
                TypeDeclaration().Matches(s.Code).Select(m => (s.Namespace!, Type: m.Groups["name"].Value))
            )
            .GroupBy(t => t.Item1, t => t.Type)
            .ToDictionary(g => g.Key, g => g.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

        var graph = new NamespaceGraph();
        foreach (var (path, code, ns) in sources)
        {
            graph.Node(ns!);
            foreach (Match match in UsingDirective().Matches(code))
            {
                var target = Longest(match.Groups["name"].Value, declared);
                if (target is not null)
                {
                    graph.Add(ns!, target, path);
                }
            }
            foreach (Match match in QualifiedName().Matches(code))
            {
                var target = Longest(match.Value, declared);
                if (target is not null)
                {
                    graph.Add(ns!, target, path);
                }
            }
            var identifiers = Identifier().Matches(code).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var enclosing in Enclosing(ns!))
            {
                if (typesByNamespace.TryGetValue(enclosing, out var types) && types.Overlaps(identifiers))
                {
                    graph.Add(ns!, enclosing, path);
                }
            }
        }
        return graph;
    }

    /// <summary>A cycle as a path that starts and ends at the same namespace; null when there is none.</summary>
    public IReadOnlyList<string>? FindCycle()
    {
        // false = on the stack, true = done
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);
        var stack = new List<string>();
        foreach (var start in _edges.Keys.Order(StringComparer.Ordinal))
        {
            var cycle = Visit(start, state, stack);
            if (cycle is not null)
            {
                return cycle;
            }
        }
        return null;
    }

    public string Evidence(string from, string to) => _edges[from][to];

    private List<string>? Visit(string node, Dictionary<string, bool> state, List<string> stack)
    {
        if (state.TryGetValue(node, out var done))
        {
            return done ? null : [.. stack.Skip(stack.IndexOf(node)), node];
        }
        state[node] = false;
        stack.Add(node);
        foreach (var next in _edges[node].Keys)
        {
            var cycle = Visit(next, state, stack);
            if (cycle is not null)
            {
                return cycle;
            }
        }
        stack.RemoveAt(stack.Count - 1);
        state[node] = true;
        return null;
    }

    private void Node(string ns) => _edges.TryAdd(ns, new SortedDictionary<string, string>(StringComparer.Ordinal));

    private static string? NamespaceOf(string code) =>
        FileScopedNamespace().Match(code) is { Success: true } m ? m.Groups["name"].Value : null;

    /// <summary>The longest declared namespace that the dotted name is or starts with.</summary>
    private static string? Longest(string dotted, HashSet<string> declared)
    {
        for (var name = dotted; name.Length > 0; name = name.Contains('.') ? name[..name.LastIndexOf('.')] : "")
        {
            if (declared.Contains(name))
            {
                return name;
            }
        }
        return null;
    }

    private static IEnumerable<string> Enclosing(string ns)
    {
        for (var i = ns.LastIndexOf('.'); i > 0; i = ns.LastIndexOf('.', i - 1))
        {
            yield return ns[..i];
        }
    }

    private static string StripCommentsAndStrings(string code) =>
        CommentOrString().Replace(code, m => m.Value.StartsWith('/') ? "" : "\"\"");

    [GeneratedRegex(@"^namespace\s+(?<name>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [GeneratedRegex(
        @"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?<name>[\w.]+)\s*;",
        RegexOptions.Multiline
    )]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])KubePki(?:\.[A-Za-z_]\w*)+")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum|delegate\s+\S+)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();
}
