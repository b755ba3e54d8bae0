using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KubePki.Kubelet;

/// <summary>Turns on kubelet serving-certificate bootstrap in a KubeletConfiguration (kubelet.config.k8s.io/v1beta1):
/// <c>serverTLSBootstrap: true</c> and <c>rotateCertificates: true</c>. The file is edited as text at the positions the
/// YAML parser reports, so every other field, comment, quote style and blank line stays byte for byte as it was; a
/// missing key is appended to the top-level mapping at its indentation.</summary>
public static class ServingBootstrapEditor
{
    public static readonly IReadOnlyList<string> Keys = ["serverTLSBootstrap", "rotateCertificates"];

    public static KubeletConfigEdit Enable(string text, string source)
    {
        var fields = TopLevelScalars(text, source, out var keyColumn, out var appendAt);
        if (fields.TryGetValue("kind", out var kind) && kind.Value != "KubeletConfiguration")
        {
            throw new KubePkiException($"{source}: kind is \"{kind.Value}\", expected KubeletConfiguration");
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
                throw new KubePkiException($"{source}: {key} is not a boolean");
            }
            else if (!IsTrue(field.Value))
            {
                edits.Add((field.Start, field.End, "true"));
                changes.Add($"changed {key}: {field.Value} to true");
            }
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
        return new KubeletConfigEdit(result, changes);
    }

    // YAML 1.1 and 1.2 spellings that Go's sigs.k8s.io/yaml reads as true.
    private static bool IsTrue(string value) => value is "true" or "True" or "TRUE";

    private sealed record Field(string? Value, int Start, int End);

    private static Dictionary<string, Field> TopLevelScalars(string text, string source, out int keyColumn, out int appendAt)
    {
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        keyColumn = 0;
        appendAt = text.Length;
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return fields;
            }
            parser.Consume<DocumentStart>();
            if (!parser.TryConsume<MappingStart>(out var root))
            {
                throw new KubePkiException($"{source}: the document is not a YAML mapping");
            }
            if (root.Style == MappingStyle.Flow)
            {
                throw new KubePkiException($"{source}: a flow-style (JSON) KubeletConfiguration is not supported; convert it to block YAML first");
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
                if (parser.TryConsume<Scalar>(out var value))
                {
                    var quoted = value.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
                    fields[key.Value] = new Field(quoted ? $"\"{value.Value}\"" : value.Value, (int)value.Start.Index, (int)value.End.Index);
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
        }
        catch (YamlException e)
        {
            throw new KubePkiException($"{source}: invalid YAML at line {e.Start.Line}: {e.Message}", e);
        }
        return fields;
    }
}
