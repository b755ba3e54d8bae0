using YamlDotNet.RepresentationModel;

namespace KubePki.ControlPlane;

/// <summary>Whether two manifests describe the same pod, as kubeadm's ManifestFilesAreEqual judges it: both are decoded
/// and compared as objects, so key order, quoting style, comments and layout do not count, nor does a field set to its
/// empty value (null, <c>{}</c>, <c>[]</c>, <c>""</c>) versus one left out. List order counts.</summary>
internal static class ManifestEquality
{
    /// <remarks>The trees come from the bounded YAML reader, so the recursion is at most its depth limit.</remarks>
    public static bool AreEqual(YamlNode left, YamlNode right) =>
        (left, right) switch
        {
            (YamlMappingNode a, YamlMappingNode b) => MappingsEqual(a, b),
            (YamlSequenceNode a, YamlSequenceNode b) => a.Children.Count == b.Children.Count
                && a.Children.Zip(b.Children).All(p => AreEqual(p.First, p.Second)),
            (YamlScalarNode a, YamlScalarNode b) => Value(a) == Value(b),
            _ => IsEmpty(left) && IsEmpty(right),
        };

    private static bool MappingsEqual(YamlMappingNode a, YamlMappingNode b)
    {
        var left = Fields(a);
        var right = Fields(b);
        return left.Count == right.Count
            && left.All(p => right.TryGetValue(p.Key, out var other) && AreEqual(p.Value, other));
    }

    private static Dictionary<string, YamlNode> Fields(YamlMappingNode map) =>
        map
            .Children.Where(p => !IsEmpty(p.Value))
            .ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => p.Value, StringComparer.Ordinal);

    private static string? Value(YamlScalarNode scalar) => IsEmpty(scalar) ? null : scalar.Value;

    private static bool IsEmpty(YamlNode node) =>
        node switch
        {
            YamlScalarNode s => s.Value is null or ""
                || (s.Style == YamlDotNet.Core.ScalarStyle.Plain && s.Value is "null" or "~" or "Null" or "NULL"),
            YamlMappingNode m => m.Children.Count == 0,
            YamlSequenceNode q => q.Children.Count == 0,
            _ => false,
        };
}
