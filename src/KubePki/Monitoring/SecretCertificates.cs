using System.Collections.Concurrent;
using System.Text;

namespace KubePki.Monitoring;

/// <summary>A Secret as the exporter sees it: only what picks and labels its certificates.</summary>
internal sealed record SecretData(string Namespace, string Name, string Type, IReadOnlyDictionary<string, byte[]> Data)
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>The certificates of the Secrets a watch delivers, parsed when a Secret arrives or changes (not at
/// scrape time). The keys <see cref="SecretFilter"/> picks are labelled secret_namespace/secret_name/secret_key as in
/// x509-certificate-exporter; a key without a certificate is a read error, and so is every list of the API that
/// failed and has not succeeded since.</summary>
internal sealed class SecretCertificates(SecretFilter? filter = null) : ICertificateSource
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<SecretKey>> _secrets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _namespaces = new(
        StringComparer.Ordinal
    );
    private readonly ConcurrentDictionary<string, string> _failedLists = new(StringComparer.Ordinal);

    public SecretFilter Filter { get; } = filter ?? new SecretFilter();

    /// <summary>Replaces the Secrets of one namespace (or of all, when <paramref name="ns"/> is null) with a fresh
    /// list: the initial list, or a re-list after the watch lost its place.</summary>
    public void Replace(string? ns, IEnumerable<SecretData> secrets)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secret in secrets)
        {
            keep.Add(Key(secret.Namespace, secret.Name));
            Upsert(secret);
        }
        var scope = _secrets.Keys.Where(k => ns is null || k.StartsWith(ns + "/", StringComparison.Ordinal));
        foreach (var gone in scope.Where(k => !keep.Contains(k)))
        {
            _secrets.TryRemove(gone, out _);
        }
    }

    public void Upsert(SecretData secret)
    {
        var entries = Filter.SecretSelected(secret.Labels)
            ? Filter.Keys(secret.Type, secret.Data).Select(k => Parse(secret, k, secret.Data[k])).ToList()
            : [];
        if (entries.Count == 0)
        {
            _secrets.TryRemove(Key(secret.Namespace, secret.Name), out _);
            return;
        }
        _secrets[Key(secret.Namespace, secret.Name)] = entries;
    }

    public void Remove(string ns, string name) => _secrets.TryRemove(Key(ns, name), out _);

    /// <summary>Replaces the known namespaces and their labels (used by namespace label filters).</summary>
    public void ReplaceNamespaces(IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels)> namespaces)
    {
        var listed = namespaces.ToDictionary(n => n.Name, n => n.Labels, StringComparer.Ordinal);
        foreach (var (name, labels) in listed)
        {
            _namespaces[name] = labels;
        }
        foreach (var gone in _namespaces.Keys.Where(k => !listed.ContainsKey(k)))
        {
            _namespaces.TryRemove(gone, out _);
        }
    }

    public void UpsertNamespace(string name, IReadOnlyDictionary<string, string> labels) => _namespaces[name] = labels;

    public void RemoveNamespace(string name) => _namespaces.TryRemove(name, out _);

    /// <summary>A list of <paramref name="what"/> failed: one read error until it next succeeds.</summary>
    public void ListFailed(string what, string message) => _failedLists[what] = $"listing {what} failed: {message}";

    public void ListSucceeded(string what) => _failedLists.TryRemove(what, out _);

    public void Collect(Scrape scrape)
    {
        foreach (var (_, message) in _failedLists.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            scrape.Error(message);
        }
        // ToArray is the dictionary's own snapshot; LINQ over it directly copies through ICollection.CopyTo, which
        // throws when the watch adds a Secret during the copy.
        foreach (var (key, entries) in _secrets.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var ns = key[..key.IndexOf('/')];
            if (!Filter.NamespaceSelected(ns, _namespaces.TryGetValue(ns, out var labels) ? labels : null))
            {
                continue;
            }
            foreach (var (source, certificates, error) in entries)
            {
                if (certificates is not null)
                {
                    scrape.AddAll(source, certificates);
                }
                else
                {
                    scrape.Error(error!, source);
                }
            }
        }
    }

    private static SecretKey Parse(SecretData secret, string key, byte[] value)
    {
        IReadOnlyList<Label> labels =
        [
            new("secret_key", key),
            new("secret_name", secret.Name),
            new("secret_namespace", secret.Namespace),
        ];
        try
        {
            var source = $"secret {secret.Namespace}/{secret.Name} key {key}";
            return new SecretKey(labels, PemBundle.ParseCertificates(Encoding.UTF8.GetString(value), source), null);
        }
        catch (KubePkiException e)
        {
            return new SecretKey(labels, null, e.Message);
        }
    }

    private static string Key(string ns, string name) => $"{ns}/{name}";

    /// <summary>One watched key: its labels and either its certificates or why they could not be read.</summary>
    private sealed record SecretKey(
        IReadOnlyList<Label> Labels,
        IReadOnlyList<ParsedCertificate>? Certificates,
        string? Error
    );
}
