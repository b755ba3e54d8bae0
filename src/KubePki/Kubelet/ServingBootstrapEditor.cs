using KubePki.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KubePki.Kubelet;

/// <summary>Turns on kubelet serving-certificate bootstrap in a KubeletConfiguration (kubelet.config.k8s.io/v1beta1):
/// <c>serverTLSBootstrap: true</c> and <c>rotateCertificates: true</c>. The file is edited as text at the positions the
/// YAML parser reports, so every other field, comment, quote style and blank line stays byte for byte as it was; a
/// missing key is appended to the top-level mapping at its indentation. What a text edit cannot change safely (an
/// anchored, aliased, tagged or block-scalar value, several documents, no KubeletConfiguration kind) is refused, and
/// the result is read back before it is returned.</summary>
internal static class ServingBootstrapEditor
{
    public static readonly IReadOnlyList<string> Keys = ["serverTLSBootstrap", "rotateCertificates"];

    private const string Kind = "KubeletConfiguration";

    public static KubeletConfigEdit Enable(string text, string source)
    {
        var fields = TopLevelScalars(text, source, out var keyColumn, out var appendAt);
        if (!fields.TryGetValue("kind", out var kind) || kind.Value is null)
        {
            throw new KubePkiException(
                $"{source}: has no \"kind: {Kind}\"; is it a kubelet config?",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (kind.Value != Kind)
        {
            throw new KubePkiException(
                $"{source}: kind is \"{kind.Value}\", expected {Kind}",
                KubePkiErrorKind.InvalidFile
            );
        }
        var edits = new List<(int Start, int End, string Replacement)>();
        var changes = new List<string>();
        var appended = "";
        foreach (var key in Keys)
        {
            if (!fields.TryGetValue(key, out var field))
            {
                appended += $"{new string(' ', keyColumn)}{key}: true\n";
                changes.Add($"added {key}: true");
            }
            else if (field.Value is null)
            {
                throw new KubePkiException($"{source}: {key} is not a boolean", KubePkiErrorKind.InvalidFile);
            }
            else if (field.Refusal is { } refusal)
            {
                throw new KubePkiException(
                    $"{source}: {key} {refusal}; write it as a plain true or false first",
                    KubePkiErrorKind.InvalidFile
                );
            }
            else if (!IsTrue(field.Value))
            {
                edits.Add((field.Start, field.End, "true"));
                changes.Add($"changed {key}: {field.Value} to true");
            }
        }
        if (edits.Count == 0 && appended.Length == 0)
        {
            return new KubeletConfigEdit(text, changes);
        }
        if (appended.Length > 0)
        {
            var prefix = appendAt > 0 && text[appendAt - 1] != '\n' ? "\n" : "";
            edits.Add((appendAt, appendAt, prefix + appended));
        }
        var result = text;
        foreach (var (start, end, replacement) in edits.OrderByDescending(e => e.Start))
        {
            result = result[..start] + replacement + result[end..];
        }
        ReadBack(text, result, source);
        return new KubeletConfigEdit(result, changes);
    }

    // YAML 1.1 and 1.2 spellings that Go's sigs.k8s.io/yaml reads as true.
    private static bool IsTrue(string value) => value is "true" or "True" or "TRUE";

    /// <summary>A top-level field; <see cref="Value"/> is null for a collection, <see cref="Refusal"/> says why a
    /// scalar cannot be replaced as text.</summary>
    private sealed record Field(string? Value, int Start, int End, string? Refusal = null);

    private static Dictionary<string, Field> TopLevelScalars(
        string text,
        string source,
        out int keyColumn,
        out int appendAt
    )
    {
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        keyColumn = 0;
        appendAt = text.Length;
        try
        {
            var parser = BoundedYaml.Open(text, source);
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return fields;
            }
            parser.Consume<DocumentStart>();
            if (!parser.TryConsume<MappingStart>(out var root))
            {
                throw new KubePkiException(
                    $"{source}: the document is not a YAML mapping",
                    KubePkiErrorKind.InvalidFile
                );
            }
            if (root.Style == MappingStyle.Flow)
            {
                throw new KubePkiException(
                    $"{source}: a flow-style (JSON) KubeletConfiguration is not supported; "
                        + "convert it to block YAML first",
                    KubePkiErrorKind.InvalidFile
                );
            }
            var first = true;
            while (!parser.Accept<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>();
                if (first)
                {
                    keyColumn = (int)key.Start.Column - 1;
                    first = false;
                }
                if (parser.TryConsume<AnchorAlias>(out var alias))
                {
                    fields[key.Value] = new Field("", 0, 0, $"is the alias *{alias.Value}");
                }
                else if (parser.TryConsume<Scalar>(out var value))
                {
                    var quoted = value.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
                    fields[key.Value] = new Field(
                        quoted ? $"\"{value.Value}\"" : value.Value,
                        (int)value.Start.Index,
                        (int)value.End.Index,
                        Refusal(value)
                    );
                }
                else
                {
                    fields[key.Value] = new Field(null, 0, 0);
                    parser.SkipThisAndNestedEvents();
                }
            }
            var end = parser.Consume<MappingEnd>();
            appendAt = Math.Min((int)end.Start.Index, text.Length);
            // Append after the last line of the mapping itself, before anything (like "...") that closes the document.
            while (appendAt > 0 && appendAt < text.Length && text[appendAt - 1] != '\n')
            {
                appendAt--;
            }
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new KubePkiException(
                    $"{source}: holds more than one YAML document; "
                        + "a kubelet config is exactly one KubeletConfiguration",
                    KubePkiErrorKind.InvalidFile
                );
            }
        }
        catch (YamlException e)
        {
            throw new KubePkiException(
                $"{source}: invalid YAML at line {e.Start.Line}: {e.Message}",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        return fields;
    }

    private static string? Refusal(Scalar value) =>
        value switch
        {
            { Anchor.IsEmpty: false } => $"carries the anchor &{value.Anchor}, so other fields may refer to it",
            { Style: ScalarStyle.Literal or ScalarStyle.Folded } => "is a block scalar (| or >)",
            { Tag.IsEmpty: false } => $"has the explicit tag {value.Tag}",
            _ => null,
        };

    /// <summary>Reads the edited text back: both keys must be plain <c>true</c> and every other field must read
    /// exactly as before, or the edit is not returned.</summary>
    private static void ReadBack(string before, string after, string source)
    {
        var old = Root(before, source);
        var edited = Root(after, source);
        var ok =
            Keys.All(k =>
                edited.Children.TryGetValue(k, out var v)
                && v is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" }
            )
            && Canonical(old, 0) == Canonical(edited, 0);
        if (!ok)
        {
            throw new KubePkiException(
                $"{source}: the edited config does not read back as expected; nothing was changed",
                KubePkiErrorKind.InvalidFile
            );
        }
    }

    private static YamlMappingNode Root(string text, string source)
    {
        var documents = BoundedYaml.Load(text, source);
        return documents is [{ RootNode: YamlMappingNode root }]
            ? root
            : throw new KubePkiException(
                $"{source}: the edited config is not one YAML mapping; nothing was changed",
                KubePkiErrorKind.InvalidFile
            );
    }

    // The tree as a string, without the two edited keys at the top; depth is bounded by BoundedYaml.MaxDepth.
    private static string Canonical(YamlNode node, int depth) =>
        node switch
        {
            YamlScalarNode s => $"{s.Tag}:{(s.Style is ScalarStyle.Plain ? "p" : "q")}:{s.Value?.Length}:{s.Value}",
            YamlSequenceNode seq => $"[{string.Join(",", seq.Children.Select(c => Canonical(c, depth + 1)))}]",
            YamlMappingNode map => "{"
                + string.Join(
                    ",",
                    map.Children.Where(c =>
                            depth > 0 || c.Key is not YamlScalarNode { Value: var k } || !Keys.Contains(k)
                        )
                        .Select(c => Canonical(c.Key, depth + 1) + "=" + Canonical(c.Value, depth + 1))
                )
                + "}",
            _ => "?",
        };
}
