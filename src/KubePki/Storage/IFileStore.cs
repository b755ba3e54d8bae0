using KubePki.Files;

namespace KubePki.Storage;

/// <summary>Every disk access of the library. <see cref="DiskFileStore"/> is the real disk (atomic, durable writes that
/// keep ownership; reads that never block); <see cref="DryRunFileStore"/> reads the disk and keeps every change in
/// memory, so --dry-run cannot write by construction. Its members are internal: outside this library it is a handle to
/// pass on (<see cref="DiskFileStore.Instance"/>), not an interface to implement.</summary>
public interface IFileStore
{
    internal bool Exists(string path);

    internal string ReadText(string path);

    internal byte[] ReadBytes(string path);

    /// <summary>Reads state the tool wrote itself: not through a link, a regular file, owned by the running
    /// user.</summary>
    internal byte[] ReadTrusted(string path);

    /// <summary>Type, mode, owner and group of the path itself (or, with <paramref name="followLinks"/>, of what it
    /// leads to); null when nothing is there.</summary>
    internal FileFacts? Inspect(string path, bool followLinks = false);

    /// <summary>The canonical path with every link resolved; null when it does not exist.</summary>
    internal string? ResolvePath(string path);

    /// <summary>The entries of a directory (full paths, sorted); empty when it does not exist.</summary>
    internal IReadOnlyList<string> List(string directory);

    /// <summary>Creates the directory and any missing parents with exactly this mode, whatever the umask.</summary>
    internal void CreateDirectory(string path, UnixFileMode mode);

    internal void Delete(string path);

    internal void DeleteDirectory(string path);

    /// <summary>An exclusive lock held until disposed; waits up to <paramref name="timeout"/>.</summary>
    internal IDisposable Lock(string path, TimeSpan timeout, TimeProvider time);

    /// <summary>Writes the files as one unit: all are staged first, then renamed into place; if any step fails the
    /// files this call created or replaced are put back as they were.</summary>
    internal void Write(IReadOnlyList<FileWrite> files);
}
