using System.Text;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.Monitoring;

/// <summary>The certificates of one kubeconfig, as x509-certificate-exporter's kubeconfig source reads them: each
/// cluster's certificate-authority(-data) and each user's client-certificate(-data), labelled embedded_kind
/// (cluster|user) and embedded_key (the entry's name, with "(i)" when it holds several certificates). A file
/// reference is resolved against the kubeconfig's directory and read at every scrape, so kubelet.conf follows the
/// kubelet's rotated kubelet-client-current.pem. <paramref name="strict"/> is upstream's <c>-k</c>: a referenced file
/// that cannot be read fails the whole kubeconfig, and one without any certificate is an error; otherwise (kubeadm's
/// kubeconfig dir) the other entries are still served.</summary>
internal sealed class KubeconfigSource(string path, FileContentCache cache, bool strict = false) : ICertificateSource
{
    public string FilePath { get; } = path;

    public void Collect(Scrape scrape) => Read(scrape);

    /// <summary>Collects the series and returns the current user's client certificates (null when
    /// unreadable).</summary>
    public IReadOnlyList<ParsedCertificate>? Read(Scrape scrape)
    {
        scrape.SeenPaths.Add(FilePath);
        var fileLabels = FileLabels.For(FilePath);
        ParsedKubeconfig parsed;
        try
        {
            parsed = cache.Read(
                FilePath,
                FileContentCache.MaxKubeconfigBytes,
                content => Parse(Encoding.UTF8.GetString(content), FilePath)
            );
        }
        catch (KubePkiException e)
        {
            scrape.Error(e.Message, fileLabels);
            return null;
        }
        IReadOnlyList<ParsedCertificate>? current = null;
        var series = new List<CertificateSeries>();
        foreach (var entry in parsed.Entries)
        {
            var certificates = entry.Certificates;
            if (entry.ReferencedFile is { } file)
            {
                try
                {
                    var referenced = cache.Read(
                        file,
                        FileContentCache.MaxCertificateFileBytes,
                        content => new ReferencedFile(
                            PemBundle.ParseCertificates(Encoding.UTF8.GetString(content), file)
                        )
                    );
                    certificates = referenced.Certificates;
                }
                catch (KubePkiException e)
                {
                    scrape.Error($"{FilePath}: {entry.Kind} {entry.Name}: {e.Message}", fileLabels);
                    if (strict)
                    {
                        return null;
                    }
                    continue;
                }
            }
            for (var i = 0; i < certificates.Count; i++)
            {
                var key = certificates.Count > 1 ? $"{entry.Name}({i})" : entry.Name;
                series.Add(
                    new CertificateSeries(
                        [new("embedded_key", key), new("embedded_kind", entry.Kind), .. fileLabels],
                        certificates[i]
                    )
                );
            }
            if (entry.Kind == "user" && entry.Name == parsed.CurrentUser)
            {
                current = certificates;
            }
        }
        if (series.Count > 0)
        {
            scrape.Sources.Add(fileLabels);
            scrape.Certificates.AddRange(series);
        }
        else if (strict)
        {
            scrape.Error($"no certificate(s) found in \"{FilePath}\"", fileLabels);
        }
        return current;
    }

    private sealed record Entry(
        string Kind,
        string Name,
        IReadOnlyList<ParsedCertificate> Certificates,
        string? ReferencedFile
    );

    private sealed record ParsedKubeconfig(IReadOnlyList<Entry> Entries, string? CurrentUser);

    private sealed record ReferencedFile(IReadOnlyList<ParsedCertificate> Certificates);

    private static ParsedKubeconfig Parse(string text, string source)
    {
        var documents = BoundedYaml.Load(text, source);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubePkiException(
                $"{source}: not a valid kubeconfig: expected one YAML mapping",
                KubePkiErrorKind.InvalidFile
            );
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(source))!;
        var entries = new List<Entry>();
        foreach (
            var (list, kind, dataKey, fileKey) in new[]
            {
                ("clusters", "cluster", "certificate-authority-data", "certificate-authority"),
                ("users", "user", "client-certificate-data", "client-certificate"),
            }
        )
        {
            foreach (var item in Items(root, list))
            {
                var name = Scalar(item, "name") ?? "";
                if (Child(item, kind) is not { } body)
                {
                    continue;
                }
                if (Scalar(body, dataKey) is { Length: > 0 } data)
                {
                    string pem;
                    try
                    {
                        pem = Encoding.UTF8.GetString(Convert.FromBase64String(data));
                    }
                    catch (FormatException e)
                    {
                        throw new KubePkiException(
                            $"{source}: {kind} {name}: {dataKey} is not valid base64",
                            KubePkiErrorKind.InvalidFile,
                            e
                        );
                    }
                    var certificates = PemBundle.ParseCertificates(pem, $"{source}: {kind} {name}: {dataKey}");
                    entries.Add(new Entry(kind, name, certificates, null));
                }
                else if (Scalar(body, fileKey) is { Length: > 0 } file)
                {
                    entries.Add(new Entry(kind, name, [], Path.Combine(directory, file)));
                }
            }
        }
        return new ParsedKubeconfig(entries, CurrentUser(root));
    }

    private static string? CurrentUser(YamlMappingNode root)
    {
        var context = Scalar(root, "current-context");
        return Items(root, "contexts")
            .Where(c => Scalar(c, "name") == context)
            .Select(c => Child(c, "context") is { } body ? Scalar(body, "user") : null)
            .FirstOrDefault();
    }

    private static IEnumerable<YamlMappingNode> Items(YamlMappingNode root, string key) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode sequence
            ? sequence.Children.OfType<YamlMappingNode>()
            : [];

    private static YamlMappingNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode scalar
            ? scalar.Value
            : null;
}
