using System.Security.Cryptography;
using KubePki.Files;
using KubePki.Kubeconfig;

namespace KubePki.Monitoring;

/// <summary>Reads files at every scrape but parses them only when their bytes changed, so a renewed certificate shows
/// at the next scrape and an unchanged one costs one read and a compare. Comparing content (by SHA-256, so no file's
/// bytes are kept) rather than mtime also catches a same-size rewrite within the file system's timestamp granularity.
/// Every read goes through <see cref="SafeFileReader"/> with a size cap, so a FIFO, a device or a huge file is one
/// error at once, never a scrape that blocks or allocates without bound; <see cref="EndScrape"/> forgets files a
/// scrape did not read, so a churning --watch-dir does not grow the cache.</summary>
internal sealed class FileContentCache
{
    /// <summary>A PEM file: kubeadm's are 1-2 KiB, a large public CA bundle about 250 KiB.</summary>
    public const long MaxCertificateFileBytes = 1 << 20;

    public const long MaxKubeconfigBytes = KubeconfigFile.MaxBytes;

    private readonly Dictionary<(string Path, Type Kind), Entry> _entries = [];
    private readonly Lock _gate = new();
    private long _scrape;

    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>File bytes held between scrapes: the digests.</summary>
    internal long RetainedContentBytes
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Sum(e => (long)e.Digest.Length);
            }
        }
    }

    /// <summary>The parse of <paramref name="path"/>'s current content. Throws <see cref="KubePkiException"/> naming
    /// the file when it cannot be read, is not a regular file, is longer than <paramref name="maxBytes"/> or
    /// <paramref name="parse"/> rejects it (the rejection is cached with the content).</summary>
    public T Read<T>(string path, long maxBytes, Func<byte[], T> parse)
        where T : class
    {
        byte[] content;
        try
        {
            content = SafeFileReader.Read(path, maxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubePkiException($"{path}: {e.Message}", IoErrors.KindOf(e), e);
        }
        var digest = SHA256.HashData(content);
        var key = (path, typeof(T));
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Digest.AsSpan().SequenceEqual(digest))
            {
                entry.Scrape = _scrape;
                return entry.Parsed is KubePkiException error ? throw error : (T)entry.Parsed;
            }
        }
        object parsed;
        try
        {
            parsed = parse(content);
        }
        catch (KubePkiException e)
        {
            parsed = e;
        }
        lock (_gate)
        {
            _entries[key] = new Entry(digest, parsed) { Scrape = _scrape };
        }
        return parsed is KubePkiException failure ? throw failure : (T)parsed;
    }

    /// <summary>Forgets every file not read since the previous call: called once at the end of each scrape.</summary>
    public void EndScrape()
    {
        lock (_gate)
        {
            foreach (var (key, _) in _entries.Where(e => e.Value.Scrape != _scrape).ToList())
            {
                _entries.Remove(key);
            }
            _scrape++;
        }
    }

    private sealed class Entry(byte[] digest, object parsed)
    {
        public byte[] Digest { get; } = digest;

        public object Parsed { get; } = parsed;

        public long Scrape { get; set; }
    }
}

/// <summary>The last source of every exporter: ends the scrape in the file cache.</summary>
internal sealed class FileCacheSweep(FileContentCache cache) : ICertificateSource
{
    public void Collect(Scrape scrape) => cache.EndScrape();
}
