using KubePki.Files;

namespace KubePki.Storage;

/// <summary>Reads from disk, keeps writes in memory (so later steps of a dry run see earlier ones) and reports each.
/// Nothing here writes to disk.</summary>
internal sealed class DryRunFileStore(TextWriter log) : IFileStore
{
    private readonly Dictionary<string, FileWrite> _written = new(StringComparer.Ordinal);

    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    private static DiskFileStore Disk => DiskFileStore.Instance;

    public bool Exists(string path) => _written.ContainsKey(Path.GetFullPath(path)) || Disk.Exists(path);

    public string ReadText(string path) =>
        _written.TryGetValue(Path.GetFullPath(path), out var file)
            ? System.Text.Encoding.UTF8.GetString(file.Content)
            : Disk.ReadText(path);

    public byte[] ReadBytes(string path) =>
        _written.TryGetValue(Path.GetFullPath(path), out var file) ? file.Content : Disk.ReadBytes(path);

    public byte[] ReadTrusted(string path) =>
        _written.TryGetValue(Path.GetFullPath(path), out var file) ? file.Content : Disk.ReadTrusted(path);

    public FileFacts? Inspect(string path, bool followLinks = false) =>
        _written.TryGetValue(Path.GetFullPath(path), out var file) ? new FileFacts(FileKind.Regular, file.Mode, 0, 0)
        : _directories.Contains(Path.GetFullPath(path)) ? new FileFacts(FileKind.Directory, FileModes.Directory, 0, 0)
        : Disk.Inspect(path, followLinks);

    public string? ResolvePath(string path) => Disk.ResolvePath(path) ?? (Exists(path) ? Path.GetFullPath(path) : null);

    public IReadOnlyList<string> List(string directory) => Disk.List(directory);

    public void CreateDirectory(string path, UnixFileMode mode)
    {
        if (Inspect(path) is null && _directories.Add(Path.GetFullPath(path)))
        {
            log.WriteLine($"[dryrun] Would create directory \"{path}\" with mode {FileModes.ToOctal(mode)}");
        }
    }

    public void Delete(string path)
    {
        if (_written.Remove(Path.GetFullPath(path)) || Disk.Exists(path))
        {
            log.WriteLine($"[dryrun] Would remove \"{path}\"");
        }
    }

    public void DeleteDirectory(string path) => log.WriteLine($"[dryrun] Would remove directory \"{path}\"");

    /// <summary>A dry run changes nothing, so it needs no lock.</summary>
    public IDisposable Lock(string path, TimeSpan timeout, TimeProvider time) => new NoLock();

    public void Write(IReadOnlyList<FileWrite> files)
    {
        foreach (var file in files)
        {
            _written[Path.GetFullPath(file.Path)] = file;
            log.WriteLine(
                $"[dryrun] Would write file \"{file.Path}\" with mode {FileModes.ToOctal(file.Mode)} "
                    + $"({file.Content.Length} bytes)"
            );
        }
    }

    private sealed class NoLock : IDisposable
    {
        public void Dispose() { }
    }
}
