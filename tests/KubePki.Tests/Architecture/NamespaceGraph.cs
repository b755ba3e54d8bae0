using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KubePki.Tests.Architecture;

/// <summary>Which namespace uses which, as the compiler binds it: every name in a project's sources (using
/// directives, partially qualified names, names inside interpolation holes, members reached through a value) is
/// resolved by Roslyn's semantic model, and an edge goes to the namespace of the symbol it names when that namespace is
/// declared in the same sources. Each edge keeps one place as evidence.</summary>
internal sealed class NamespaceGraph
{
    /// <summary>What the SDK's ImplicitUsings adds to every file of a Microsoft.NET.Sdk project.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

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

    /// <summary>The graph of a project directory (e.g. src/KubePki), compiled under its assembly name against the
    /// assemblies built beside the tests, so that its internals-visible dependencies bind as they do in the build.
    /// </summary>
    public static NamespaceGraph FromProject(string project)
    {
        var directory = Path.Combine(SourceTree.Root, project);
        var csproj = Directory.EnumerateFiles(directory, "*.csproj").Single();
        var assemblyName =
            XDocument.Load(csproj).Descendants("AssemblyName").FirstOrDefault()?.Value
            ?? Path.GetFileNameWithoutExtension(csproj);
        var sources = SourceTree
            .CSharpFiles(project)
            .Select(f => (Path: SourceTree.Relative(f), Code: File.ReadAllText(f)));
        return FromSources(sources, assemblyName);
    }

    /// <summary>The graph of in-memory sources (path, code) compiled as one assembly.</summary>
    public static NamespaceGraph FromSources(IEnumerable<(string Path, string Code)> sources, string assemblyName)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources
            .Select(s => CSharpSyntaxTree.ParseText(s.Code, options, s.Path))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options, "ImplicitUsings.g.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            References(assemblyName),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable
            )
        );
        var declared = trees
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            .Select(n => n.Name.ToString())
            .ToHashSet(StringComparer.Ordinal);

        var graph = new NamespaceGraph();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                var from = declaration.Name.ToString();
                graph.Node(from);
                foreach (var name in declaration.DescendantNodes().OfType<SimpleNameSyntax>())
                {
                    var to = NamespaceNamed(model, name);
                    if (to is not null && declared.Contains(to))
                    {
                        var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        graph.Add(from, to, $"{tree.FilePath}:{line} {name}");
                    }
                }
            }
        }
        return graph;
    }

    /// <summary>The namespace that a simple name makes its file depend on: the namespace a type, member or extension
    /// method is declared in, or the namespace a using directive imports. The namespace parts of a qualified name
    /// count only through the type they lead to.</summary>
    private static string? NamespaceNamed(SemanticModel model, SimpleNameSyntax name)
    {
        var info = model.GetSymbolInfo(name);
        var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        if (symbol is IMethodSymbol { ReducedFrom: { } extension })
        {
            symbol = extension;
        }
        return symbol switch
        {
            null => null,
            INamespaceSymbol ns when IsUsingTarget(name) => ns.ToDisplayString(),
            INamespaceSymbol => null,
            ITypeParameterSymbol or ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol => null,
            _ => symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
        };
    }

    /// <summary>Whether the name is the last part of the namespace a using directive imports.</summary>
    private static bool IsUsingTarget(SimpleNameSyntax name) =>
        name.Parent switch
        {
            UsingDirectiveSyntax => true,
            QualifiedNameSyntax q when q.Right == name => q.Parent is UsingDirectiveSyntax,
            _ => false,
        };

    /// <summary>The runtime's assemblies and those built beside the tests, except the one being compiled.</summary>
    private static List<MetadataReference> References(string assemblyName)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var built = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        return platform
            .Concat(built)
            .Where(f => !string.Equals(Path.GetFileNameWithoutExtension(f), assemblyName, StringComparison.Ordinal))
            .DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .ToList();
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
}
