using System.Text;

namespace KubePki.Monitoring;

/// <summary>The file labels x509-certificate-exporter puts on a certificate read from a file.</summary>
internal static class FileLabels
{
    public static IReadOnlyList<Label> For(string path) =>
        [new("filename", Path.GetFileName(path)), new("filepath", path)];
}

/// <summary>One PEM file (<c>--watch-file</c>): every certificate in it, or one read error.</summary>
internal sealed class PemFileSource(string path, FileContentCache cache) : ICertificateSource
{
    public string FilePath { get; } = path;

    public void Collect(Scrape scrape)
    {
        if (Read(scrape) is { } certificates)
        {
            scrape.AddAll(FileLabels.For(FilePath), certificates);
        }
    }

    /// <summary>The certificates, or null after recording the read error.</summary>
    public IReadOnlyList<ParsedCertificate>? Read(Scrape scrape)
    {
        try
        {
            var file = cache.Read(
                FilePath,
                FileContentCache.MaxCertificateFileBytes,
                content => new PemFile(PemBundle.ParseCertificates(Encoding.UTF8.GetString(content), FilePath))
            );
            return file.Certificates;
        }
        catch (KubePkiException e)
        {
            scrape.Errors.Add(e.Message);
            return null;
        }
    }

    private sealed record PemFile(IReadOnlyList<ParsedCertificate> Certificates);
}

/// <summary>Every regular file directly in a directory (<c>--watch-dir</c>, not recursive, listed at each scrape).
/// Files holding only other PEM blocks (private and public keys, CSRs) are skipped rather than counted as errors,
/// so a directory like /etc/kubernetes/pki can be watched as it is.</summary>
internal sealed class PemDirectorySource(string directory, FileContentCache cache) : ICertificateSource
{
    public void Collect(Scrape scrape)
    {
        IEnumerable<string> files;
        try
        {
            files = new DirectoryInfo(directory)
                .EnumerateFiles()
                .Select(f => Path.Combine(directory, f.Name))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            scrape.Errors.Add($"{directory}: {e.Message}");
            return;
        }
        foreach (var file in files)
        {
            try
            {
                var certificates = cache
                    .Read(
                        file,
                        FileContentCache.MaxCertificateFileBytes,
                        content => new DirectoryFile(PemBundle.Parse(Encoding.UTF8.GetString(content), file))
                    )
                    .Certificates;
                scrape.AddAll(FileLabels.For(file), certificates);
            }
            catch (KubePkiException e)
            {
                scrape.Errors.Add(e.Message);
            }
        }
    }

    private sealed record DirectoryFile(IReadOnlyList<ParsedCertificate> Certificates);
}
