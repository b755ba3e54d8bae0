using System.Collections.Concurrent;
using System.Text;

namespace KubePki.Monitoring;

/// <summary>A Secret as the exporter sees it: only what picks and labels its certificates.</summary>
internal sealed record SecretData(string Namespace, string Name, string Type, IReadOnlyDictionary<string, byte[]> Data);

/// <summary>The certificates of the Secrets a watch delivers, parsed when a Secret arrives or changes (not at
/// scrape time). Secrets of type kubernetes.io/tls and Opaque contribute every non-empty key ending in .crt or .pem
/// (tls.crt, ca.crt, …), labelled secret_namespace/secret_name/secret_key as in x509-certificate-exporter.</summary>
internal sealed class SecretCertificates : ICertificateSource
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<SecretKey>> _secrets = new(StringComparer.Ordinal);

    public static bool Watched(string type, string key) =>
        type is "kubernetes.io/tls" or "Opaque"
        && (key.EndsWith(".crt", StringComparison.Ordinal) || key.EndsWith(".pem", StringComparison.Ordinal));

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
        var entries = secret
            .Data.Where(d => Watched(secret.Type, d.Key) && d.Value.Length > 0)
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => Parse(secret, d.Key, d.Value))
            .ToList();
        if (entries.Count == 0)
        {
            _secrets.TryRemove(Key(secret.Namespace, secret.Name), out _);
            return;
        }
        _secrets[Key(secret.Namespace, secret.Name)] = entries;
    }

    public void Remove(string ns, string name) => _secrets.TryRemove(Key(ns, name), out _);

    public void Collect(Scrape scrape)
    {
        // ToArray is the dictionary's own snapshot; LINQ over it directly copies through ICollection.CopyTo, which
        // throws when the watch adds a Secret during the copy.
        foreach (var (_, entries) in _secrets.ToArray().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (labels, certificates, error) in entries)
            {
                if (certificates is not null)
                {
                    scrape.AddAll(labels, certificates);
                }
                else
                {
                    scrape.Errors.Add(error!);
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
