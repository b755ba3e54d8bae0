using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KubePki.Yaml;

/// <summary>The one way KubePki reads YAML it did not write: kubeadm configs, kubeconfigs, kubelet configs. Hostile
/// input gets one <see cref="KubePkiException"/> naming the file and line instead of a stack overflow (deep nesting)
/// or an exhausted memory (alias bombs): events are checked as the parser produces them, before any tree is
/// built.</summary>
internal static class BoundedYaml
{
    /// <summary>Real configs nest fewer than 15 levels; the limit keeps every recursive walk of the tree
    /// shallow.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes of all documents with every alias expanded. A large kubeconfig (thousands of contexts) stays far
    /// below; a "billion laughs" file reaches it within a few aliases.</summary>
    public const int MaxExpandedNodes = 200_000;

    /// <summary>Parses every document of <paramref name="text"/> into a tree.</summary>
    public static IReadOnlyList<YamlDocument> Load(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(Open(text, source));
        }
        catch (YamlException e)
        {
            throw new KubePkiException(
                $"{source}: invalid YAML at line {e.Start.Line}: {FirstLine(e.Message)}",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's tree builder rejects event sequences the parser let through (for example a tag on an
            // implicit document) with ArgumentException rather than YamlException.
            throw new KubePkiException(
                $"{source}: invalid YAML: {FirstLine(e.Message)}",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        return [.. stream.Documents];
    }

    /// <summary>A parser that enforces the limits on the events it yields, for callers that read events themselves
    /// (text-preserving editors). Violations throw <see cref="KubePkiException"/>.</summary>
    public static IParser Open(string text, string source) =>
        new CheckingParser(new Parser(new StringReader(text)), source);

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    private sealed class CheckingParser(IParser inner, string source) : IParser
    {
        private readonly Stack<Frame> _open = new();
        private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
        private long _expanded;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!Next())
            {
                return false;
            }
            Check(inner.Current!);
            return true;
        }

        // YamlDotNet's scanner also fails with InvalidOperationException (broken internal state on some truncated
        // plain scalars) and ArgumentException (a tag that is not a valid URI); both are input errors.
        private bool Next()
        {
            try
            {
                return inner.MoveNext();
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                var line = inner.Current?.End.Line;
                var where = line is null ? "" : $" after line {line}";
                var what =
                    e is ArgumentException ? FirstLine(e.Message) : "malformed input the parser cannot continue past";
                throw new KubePkiException($"{source}: invalid YAML{where}: {what}", KubePkiErrorKind.InvalidFile, e);
            }
        }

        private void Check(ParsingEvent e)
        {
            var line = e.Start.Line;
            switch (e)
            {
                case DocumentStart:
                    _open.Clear();
                    _anchorSizes.Clear();
                    break;
                case Scalar scalar:
                    CheckKey(scalar, line);
                    Count(1, line);
                    EndNode(scalar.Anchor, _expanded - 1);
                    break;
                case AnchorAlias alias:
                    if (_open.Any(f => f.Anchor == alias.Value.Value))
                    {
                        throw Error(
                            line,
                            $"the alias *{alias.Value} refers to a node that contains it (recursive anchor)"
                        );
                    }
                    if (!_anchorSizes.TryGetValue(alias.Value.Value, out var size))
                    {
                        throw Error(line, $"the alias *{alias.Value} refers to no anchor before it");
                    }
                    if (_open.TryPeek(out var parent) && parent.ExpectsKey)
                    {
                        throw Error(line, "a mapping key is an alias; only plain scalar keys are supported");
                    }
                    Advance();
                    Count(size, line);
                    break;
                case NodeEvent start and (MappingStart or SequenceStart):
                    if (_open.TryPeek(out var container) && container.ExpectsKey)
                    {
                        throw Error(
                            line,
                            "a mapping key is a collection (complex key); only scalar keys are supported"
                        );
                    }
                    Advance();
                    if (_open.Count >= MaxDepth)
                    {
                        throw Error(line, $"nesting deeper than {MaxDepth} levels");
                    }
                    Count(1, line);
                    var anchorName = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                    _open.Push(new Frame(start is MappingStart, anchorName, _expanded - 1));
                    break;
                case MappingEnd or SequenceEnd:
                    var frame = _open.Pop();
                    if (frame.Anchor is { } anchor)
                    {
                        _anchorSizes[anchor] = _expanded - frame.StartCount;
                    }
                    break;
            }
        }

        // A scalar in key position is checked for duplicates; either way the parent moves on to its next slot.
        private void CheckKey(Scalar scalar, long line)
        {
            if (_open.TryPeek(out var parent) && parent.ExpectsKey && !parent.Keys.Add(scalar.Value))
            {
                throw Error(line, $"duplicate key \"{scalar.Value}\"");
            }
            Advance();
        }

        private void Advance()
        {
            if (_open.TryPeek(out var parent) && parent.IsMapping)
            {
                parent.ExpectsKey = !parent.ExpectsKey;
            }
        }

        private void EndNode(AnchorName anchor, long startCount)
        {
            if (!anchor.IsEmpty)
            {
                _anchorSizes[anchor.Value] = _expanded - startCount;
            }
        }

        private void Count(long nodes, long line)
        {
            _expanded += nodes;
            if (_expanded > MaxExpandedNodes)
            {
                throw Error(line, $"more than {MaxExpandedNodes} nodes once aliases are expanded (an alias bomb?)");
            }
        }

        private KubePkiException Error(long line, string what) =>
            new($"{source}: invalid YAML at line {line}: {what}", KubePkiErrorKind.InvalidFile);

        private sealed class Frame(bool isMapping, string? anchor, long startCount)
        {
            public bool IsMapping { get; } = isMapping;

            public string? Anchor { get; } = anchor;

            public long StartCount { get; } = startCount;

            public bool ExpectsKey { get; set; } = isMapping;

            public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        }
    }
}
