using System.Text;

namespace KubePki.Monitoring;

/// <summary>The file labels x509-certificate-exporter puts on a certificate read from a file: filename (Go's
/// filepath.Base) and filepath (the path as matched; --trim-path-components applies when rendering).</summary>
internal static class FileLabels
{
    public static IReadOnlyList<Label> For(string path) => [new("filename", GoPath.Base(path)), new("filepath", path)];
}

/// <summary>One PEM file: every certificate in it, or one read error labelled with the file (a file without any
/// certificate, such as a key, is an error too, as upstream counts it).</summary>
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
        scrape.SeenPaths.Add(FilePath);
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
            scrape.Error(e.Message, FileLabels.For(FilePath));
            return null;
        }
    }

    private sealed record PemFile(IReadOnlyList<ParsedCertificate> Certificates);
}

/// <summary>Upstream's --skip-symlinks: symbolic links found by -f, -k and -d are left out, and a pattern that is
/// itself a symbolic link then matches nothing without an error.</summary>
internal static class Symlinks
{
    public static bool Is(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The files of a -f or -k pattern, or null after recording upstream's "no files match" error.</summary>
    public static IReadOnlyList<string>? Files(string pattern, bool skip, Scrape scrape)
    {
        var files = GoGlob.Expand(pattern, GlobTarget.Files);
        var kept = skip ? files.Where(f => !Is(f)).ToList() : files;
        if (kept.Count == 0)
        {
            if (!(skip && Is(GoPath.Clean(pattern))))
            {
                scrape.Error($"no files match \"{pattern}\"");
            }
            return null;
        }
        return kept;
    }
}

/// <summary><c>-f/--watch-file</c>: a path or a Go glob of PEM files, expanded at every scrape. A pattern that
/// matches no regular file is one read error; a file another source already read is skipped.</summary>
internal sealed class WatchedFiles(string pattern, FileContentCache cache, bool skipSymlinks = false)
    : ICertificateSource
{
    public void Collect(Scrape scrape)
    {
        foreach (
            var file in (Symlinks.Files(pattern, skipSymlinks, scrape) ?? []).Where(f => !scrape.SeenPaths.Contains(f))
        )
        {
            new PemFileSource(file, cache).Collect(scrape);
        }
    }
}

/// <summary><c>-k/--watch-kubeconf</c>: a path or a Go glob of kubeconfigs, read as upstream reads them.</summary>
internal sealed class WatchedKubeconfigs(string pattern, FileContentCache cache, bool skipSymlinks = false)
    : ICertificateSource
{
    public void Collect(Scrape scrape)
    {
        foreach (
            var file in (Symlinks.Files(pattern, skipSymlinks, scrape) ?? []).Where(f => !scrape.SeenPaths.Contains(f))
        )
        {
            new KubeconfigSource(file, cache, strict: true).Collect(scrape);
        }
    }
}

/// <summary><c>-d/--watch-dir</c>: a directory or a Go glob of directories, listed at every scrape (not recursive).
/// Every entry but a subdirectory is read as a PEM file; one without a certificate (a key, a CSR) is a read error
/// as upstream counts it. A pattern that matches no directory, or a directory that cannot be listed, is one read
/// error.</summary>
internal sealed class WatchedDirectories(string pattern, FileContentCache cache, bool skipSymlinks = false)
    : ICertificateSource
{
    public void Collect(Scrape scrape)
    {
        var directories = GoGlob.Expand(pattern, GlobTarget.Directories);
        if (directories.Count == 0)
        {
            scrape.Error($"no directory match \"{pattern}\"");
        }
        foreach (var directory in directories)
        {
            List<string> files;
            try
            {
                // Go's DirEntry.IsDir: a symbolic link to a directory is not one, so it is read (and fails) as a file.
                files = new DirectoryInfo(directory)
                    .EnumerateFileSystemInfos()
                    .Where(e => e is not DirectoryInfo || e.LinkTarget is not null)
                    .Where(e => !skipSymlinks || e.LinkTarget is null)
                    .Select(e => GoPath.Join(directory, e.Name))
                    .Order(StringComparer.Ordinal)
                    .ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                scrape.Error($"{directory}: {e.Message}");
                continue;
            }
            foreach (var file in files.Where(f => !scrape.SeenPaths.Contains(f)))
            {
                new PemFileSource(file, cache).Collect(scrape);
            }
        }
    }
}
