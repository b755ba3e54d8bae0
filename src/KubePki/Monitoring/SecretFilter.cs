using System.Text.RegularExpressions;

namespace KubePki.Monitoring;

/// <summary>One <c>-s/--secret-type TYPE:KEY_REGEX</c>: Secrets of that type contribute their non-empty keys the
/// regular expression finds a match in (unanchored, as Go's MatchString).</summary>
internal sealed record SecretTypePattern(string Type, Regex Key)
{
    /// <summary>Upstream's parse: split at the first colon; the rest is the key expression. Throws
    /// <see cref="KubePkiException"/> naming the flag when there is no colon or the expression is invalid.</summary>
    public static SecretTypePattern Parse(string text)
    {
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            throw new KubePkiException($"--secret-type: \"{text}\" is not TYPE:KEY_REGEX (no colon)");
        }
        try
        {
            // NonBacktracking: linear time like Go's RE2, whatever the pattern.
            var key = new Regex(text[(colon + 1)..], RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            return new SecretTypePattern(text[..colon], key);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new KubePkiException($"--secret-type: \"{text}\": invalid key expression: {e.Message}", e);
        }
    }

    public bool Matches(string type, string key) => Type == type && Key.IsMatch(key);
}

/// <summary>Which Secrets and keys the exporter reads: upstream's --secret-type, --include/--exclude-namespace,
/// --include/--exclude-namespace-label and --include/--exclude-label. A label filter is <c>key</c> (the label is
/// set) or <c>key=value</c> (it has that value); a Secret or namespace must match every include and no
/// exclude.</summary>
internal sealed record SecretFilter
{
    /// <summary>kubepki's own --secrets: kubernetes.io/tls and Opaque Secrets, keys ending in .crt or .pem.</summary>
    public static IReadOnlyList<SecretTypePattern> KubepkiTypes { get; } =
    [SecretTypePattern.Parse(@"kubernetes.io/tls:\.(crt|pem)$"), SecretTypePattern.Parse(@"Opaque:\.(crt|pem)$")];

    public IReadOnlyList<SecretTypePattern> Types { get; init; } = KubepkiTypes;

    public IReadOnlyList<string> IncludeNamespaces { get; init; } = [];

    public IReadOnlyList<string> ExcludeNamespaces { get; init; } = [];

    public IReadOnlyList<string> IncludeNamespaceLabels { get; init; } = [];

    public IReadOnlyList<string> ExcludeNamespaceLabels { get; init; } = [];

    public IReadOnlyList<string> IncludeLabels { get; init; } = [];

    public IReadOnlyList<string> ExcludeLabels { get; init; } = [];

    /// <summary>Namespace labels are needed (a namespace watch runs) only with a namespace label filter.</summary>
    public bool NeedsNamespaceLabels => IncludeNamespaceLabels.Count > 0 || ExcludeNamespaceLabels.Count > 0;

    /// <summary>The namespaces whose Secrets are watched one by one: upstream lists only the included namespaces
    /// (less the excluded ones) when no namespace label filter is given; null means every namespace.</summary>
    public IReadOnlyList<string>? WatchedNamespaces =>
        IncludeNamespaces.Count > 0 && !NeedsNamespaceLabels
            ? IncludeNamespaces.Except(ExcludeNamespaces, StringComparer.Ordinal).ToList()
            : null;

    /// <summary>The keys of a Secret to read: non-empty, matched by a type pattern, in key order.</summary>
    public IEnumerable<string> Keys(string type, IReadOnlyDictionary<string, byte[]> data) =>
        data.Where(d => d.Value.Length > 0 && Types.Any(t => t.Matches(type, d.Key)))
            .Select(d => d.Key)
            .Order(StringComparer.Ordinal);

    public bool SecretSelected(IReadOnlyDictionary<string, string> labels) =>
        LabelsSelected(labels, IncludeLabels, ExcludeLabels);

    /// <summary>Whether a namespace's Secrets count; <paramref name="labels"/> is null when the namespace is not
    /// (yet) known, which a namespace label filter does not select.</summary>
    public bool NamespaceSelected(string name, IReadOnlyDictionary<string, string>? labels)
    {
        if (IncludeNamespaces.Count > 0 && !IncludeNamespaces.Contains(name, StringComparer.Ordinal))
        {
            return false;
        }
        if (ExcludeNamespaces.Contains(name, StringComparer.Ordinal))
        {
            return false;
        }
        if (!NeedsNamespaceLabels)
        {
            return true;
        }
        return labels is not null && LabelsSelected(labels, IncludeNamespaceLabels, ExcludeNamespaceLabels);
    }

    private static bool LabelsSelected(
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<string> include,
        IReadOnlyList<string> exclude
    )
    {
        return include.All(f => Matches(labels, f)) && !exclude.Any(f => Matches(labels, f));
    }

    // Upstream splits a filter at "=": "key" tests presence, "key=value" (only the first two parts) the value.
    private static bool Matches(IReadOnlyDictionary<string, string> labels, string filter)
    {
        var parts = filter.Split('=');
        return parts.Length < 2
            ? labels.ContainsKey(filter)
            : labels.TryGetValue(parts[0], out var value) && value == parts[1];
    }
}
