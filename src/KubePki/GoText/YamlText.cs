using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace KubePki.GoText;

/// <summary>Writes a YAML node tree in the layout client-go's clientcmd produces for kubeconfigs: block style, list
/// items at their parent's indent, two-space nesting, <c>{}</c> for empty maps.</summary>
internal static partial class YamlText
{
    public static string Write(YamlNode root)
    {
        var text = new StringBuilder();
        WriteNode(text, root, 0, inlineFirst: false);
        return text.ToString();
    }

    private static void WriteNode(StringBuilder text, YamlNode node, int indent, bool inlineFirst)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var first = true;
                foreach (var (key, value) in map.Children)
                {
                    if (!(first && inlineFirst))
                    {
                        text.Append(' ', indent);
                    }
                    first = false;
                    text.Append(Scalar(((YamlScalarNode)key).Value ?? "")).Append(':');
                    WriteValue(text, value, indent);
                }
                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    text.Append(' ', indent).Append('-');
                    if (item is YamlScalarNode scalar)
                    {
                        text.Append(' ').Append(Scalar(scalar)).Append('\n');
                    }
                    else if (IsEmpty(item))
                    {
                        text.Append(' ').Append(item is YamlMappingNode ? "{}" : "[]").Append('\n');
                    }
                    else
                    {
                        text.Append(' ');
                        WriteNode(text, item, indent + 2, inlineFirst: true);
                    }
                }
                break;
            case YamlScalarNode scalar:
                text.Append(Scalar(scalar)).Append('\n');
                break;
        }
    }

    private static void WriteValue(StringBuilder text, YamlNode value, int indent)
    {
        if (value is YamlScalarNode scalar)
        {
            text.Append(' ').Append(Scalar(scalar)).Append('\n');
        }
        else if (IsEmpty(value))
        {
            text.Append(value is YamlMappingNode ? " {}\n" : " []\n");
        }
        else
        {
            text.Append('\n');
            WriteNode(text, value, value is YamlSequenceNode ? indent : indent + 2, inlineFirst: false);
        }
    }

    private static bool IsEmpty(YamlNode node) =>
        node is YamlMappingNode { Children.Count: 0 } or YamlSequenceNode { Children.Count: 0 };

    private static string Scalar(YamlScalarNode node)
    {
        var value = node.Value ?? "";
        // Plain scalars (as read from a file, or numbers/booleans we build) are written back unchanged; strings
        // that would read back as another type are quoted.
        if (node.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            return value.Length == 0 ? "null" : value;
        }
        return Scalar(value);
    }

    private static string Scalar(string value) => NeedsQuotes(value) ? Quote(value) : value;

    private static bool NeedsQuotes(string value) =>
        value.Length == 0
        || !SafePlain().IsMatch(value)
        || value.Contains(": ", StringComparison.Ordinal)
        || value.Contains(" #", StringComparison.Ordinal)
        || value.EndsWith(':')
        || value.EndsWith(' ')
        || Reserved().IsMatch(value)
        || Timestamp().IsMatch(value)
        || Yaml11Number().IsMatch(value)
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(
                c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                    _ => c.ToString(),
                }
            );
        }
        return text.Append('"').ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9_./=+$()^][A-Za-z0-9_./:@=+$()^ ,~-]*$")]
    private static partial Regex SafePlain();

    // What YAML 1.1 (Go's yaml.v2, behind kubectl and kubeadm) or YAML 1.2 reads as a number: binary, octal, hex and
    // sexagesimal integers, "_" separators, and .inf/.nan. Decimal forms are also caught by double.TryParse.
    [GeneratedRegex(
        "^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*"
            + "|([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
            + "|\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$"
    )]
    private static partial Regex Yaml11Number();

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    private static partial Regex Timestamp();

    [GeneratedRegex("^(?i:true|false|yes|no|on|off|y|n|null|~)$")]
    private static partial Regex Reserved();
}
