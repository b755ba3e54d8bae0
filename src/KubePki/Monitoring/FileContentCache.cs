using KubePki.Storage;

namespace KubePki.Monitoring;

/// <summary>Reads files at every scrape but parses them only when their bytes changed, so a renewed certificate shows
/// at the next scrape and an unchanged one costs one read and a compare. Comparing content rather than mtime also
/// catches a same-size rewrite within the file system's timestamp granularity. Every read goes through
/// <see cref="SafeFileReader"/> with a size cap, so a FIFO, a device or a huge file is one error at once, never a
/// scrape that blocks or allocates without bound.</summary>
internal sealed class FileContentCache
{
    private readonly Dictionary<(string Path, Type Kind), (byte[] Content, object Parsed)> _entries = [];
    private readonly Lock _gate = new();

    /// <summary>A PEM file: kubeadm's are 1-2 KiB, a large public CA bundle about 250 KiB.</summary>
    public const long MaxCertificateFileBytes = 1 << 20;

    /// <summary>A kubeconfig: a few KiB from kubeadm; thousands of contexts with embedded certificates stay
    /// below.</summary>
    public const long MaxKubeconfigBytes = 8 << 20;

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
            throw new KubePkiException($"{path}: {e.Message}", e);
        }
        var key = (path, typeof(T));
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Content.AsSpan().SequenceEqual(content))
            {
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
            _entries[key] = (content, parsed);
        }
        return parsed is KubePkiException failure ? throw failure : (T)parsed;
    }
}
