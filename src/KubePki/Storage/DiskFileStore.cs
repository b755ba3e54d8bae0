using System.Text.RegularExpressions;
using KubePki.Files;

namespace KubePki.Storage;

/// <summary>The real file system. Reads go through <see cref="SafeFileReader"/> (never block, regular files only).
/// Every write is atomic: a temp file in the target directory created with its final owner, group and mode, flushed to
/// disk, renamed over the target, and the directory fsynced so that the rename survives a power loss.</summary>
public sealed partial class DiskFileStore : IFileStore
{
    private DiskFileStore() { }

    /// <summary>The one instance: the disk has no state of its own to keep apart.</summary>
    public static DiskFileStore Instance { get; } = new();

    // IFileStore's members are internal (their types are); these forward to the members below.
    bool IFileStore.Exists(string path) => Exists(path);

    string IFileStore.ReadText(string path) => ReadText(path);

    byte[] IFileStore.ReadBytes(string path) => ReadBytes(path);

    byte[] IFileStore.ReadTrusted(string path) => ReadTrusted(path);

    FileFacts? IFileStore.Inspect(string path, bool followLinks) => Inspect(path, followLinks);

    string? IFileStore.ResolvePath(string path) => ResolvePath(path);

    IReadOnlyList<string> IFileStore.List(string directory) => List(directory);

    void IFileStore.CreateDirectory(string path, UnixFileMode mode) => CreateDirectory(path, mode);

    void IFileStore.Delete(string path) => Delete(path);

    void IFileStore.DeleteDirectory(string path) => DeleteDirectory(path);

    IDisposable IFileStore.Lock(string path, TimeSpan timeout, TimeProvider time) => Lock(path, timeout, time);

    void IFileStore.Write(IReadOnlyList<FileWrite> files) => Write(files);

    internal bool Exists(string path) => File.Exists(path);

    internal string ReadText(string path) => DecodeUtf8(ReadBytes(path));

    internal byte[] ReadBytes(string path)
    {
        try
        {
            return SafeFileReader.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubePkiException($"{path}: cannot read: {e.Message}", IoErrors.KindOf(e), e);
        }
    }

    internal byte[] ReadTrusted(string path) => SafeFileReader.ReadTrusted(path);

    internal FileFacts? Inspect(string path, bool followLinks = false) => Posix.Stat(path, followLinks);

    /// <summary>The user this process runs as (effective uid).</summary>
    internal static uint CurrentUserId => Posix.EffectiveUserId;

    internal string? ResolvePath(string path) => Posix.RealPath(path);

    internal IReadOnlyList<string> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal).ToList()
            : [];

    internal void CreateDirectory(string path, UnixFileMode mode)
    {
        var full = Path.GetFullPath(path);
        if (Inspect(full) is not null)
        {
            return;
        }
        var parent = Path.GetDirectoryName(full);
        if (parent is not null)
        {
            CreateDirectory(parent, mode);
        }
        Directory.CreateDirectory(full);
        // mkdir applies the umask; set the mode exactly, whatever the umask is.
        File.SetUnixFileMode(full, mode);
        if (parent is not null)
        {
            Posix.SyncDirectory(parent);
        }
    }

    internal void Delete(string path)
    {
        if (Inspect(path) is null)
        {
            return;
        }
        File.Delete(path);
        Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    internal void DeleteDirectory(string path)
    {
        // Directory.Delete removes a link to a directory, never what it points to.
        Directory.Delete(path, recursive: true);
        Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    internal IDisposable Lock(string path, TimeSpan timeout, TimeProvider time) =>
        FileLock.Acquire(path, timeout, time);

    internal void Write(IReadOnlyList<FileWrite> files)
    {
        var staged = new List<(string Path, string Temp, string? Backup)>();
        var committed = 0;
        var current = files.Count > 0 ? files[0].Path : "";
        try
        {
            foreach (var file in files)
            {
                current = file.Path;
                var temp = Stage(file);
                staged.Add((file.Path, temp, null));
                if (File.Exists(file.Path))
                {
                    // A copy of the old content, so a failure later in this unit can put it back.
                    var backup = temp + ".old";
                    CopyForRollback(file.Path, backup);
                    staged[^1] = (file.Path, temp, backup);
                }
            }
            foreach (var entry in staged)
            {
                current = entry.Path;
                File.Move(entry.Temp, entry.Path, overwrite: true);
                committed++;
            }
            foreach (var directory in staged.Select(s => Path.GetDirectoryName(Path.GetFullPath(s.Path))!).Distinct())
            {
                current = directory;
                Posix.SyncDirectory(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KubePkiException)
        {
            foreach (var entry in staged.Take(committed))
            {
                TryRestore(entry.Path, entry.Backup);
            }
            throw e as KubePkiException
                ?? new KubePkiException($"cannot write {current}: {e.Message.TrimEnd('.')}", IoErrors.KindOf(e), e);
        }
        finally
        {
            foreach (var entry in staged)
            {
                TryDelete(entry.Temp);
                if (entry.Backup is not null)
                {
                    TryDelete(entry.Backup);
                }
            }
        }
    }

    /// <summary>True for the temp files and rollback copies <see cref="Write"/> makes; a crash can leave them
    /// behind.</summary>
    internal static bool IsLeftover(string fileName) => LeftoverName().IsMatch(fileName);

    [GeneratedRegex(@"\A\..+\.[0-9a-f]{32}\.tmp(\.old)?\z")]
    private static partial Regex LeftoverName();

    private string Stage(FileWrite file)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        CreateDirectory(directory, file.DirectoryMode);
        var temp = Path.Combine(directory, $".{Path.GetFileName(file.Path)}.{Guid.NewGuid():N}.tmp");
        // Whoever owned the file being replaced keeps it: a rootless etcd's key stays readable by etcd.
        var existing = file.Owner is null && File.Exists(file.Path) ? Posix.Stat(file.Path, follow: true) : null;
        var owner = file.Owner ?? (existing is null ? null : new FileOwner(existing.Uid, existing.Gid));
        var mode = existing?.Mode ?? file.Mode;
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = file.Mode & mode & FileModes.Private,
        };
        try
        {
            using var stream = new FileStream(temp, options);
            if (owner is not null)
            {
                var created = Posix.Stat(stream.SafeFileHandle, temp);
                if (created.Uid != owner.Uid || created.Gid != owner.Gid)
                {
                    Chown(stream, owner, file.Path);
                }
            }
            // The umask may have narrowed the create mode, and chown clears set-id bits: set the mode exactly, before
            // any byte is written.
            File.SetUnixFileMode(stream.SafeFileHandle, mode);
            stream.Write(file.Content);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>Through the safe reader: a FIFO planted where a file is replaced fails the unit instead of blocking
    /// it.</summary>
    private static void CopyForRollback(string path, string backup)
    {
        var content = SafeFileReader.Read(path);
        var original = Posix.Stat(path, follow: true);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = FileModes.Private,
        };
        using var stream = new FileStream(backup, options);
        // A rollback renames this copy back: it must carry the original's owner, group and mode, set before any byte
        // of a possibly private file is written.
        if (original is not null)
        {
            var created = Posix.Stat(stream.SafeFileHandle, backup);
            if (created.Uid != original.Uid || created.Gid != original.Gid)
            {
                Chown(stream, new FileOwner(original.Uid, original.Gid), path);
            }
            File.SetUnixFileMode(stream.SafeFileHandle, original.Mode);
        }
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static void Chown(FileStream stream, FileOwner owner, string path)
    {
        try
        {
            Posix.Chown(stream.SafeFileHandle, owner.Uid, owner.Gid, path);
        }
        catch (PosixException e)
        {
            var reason = e.Message[(path.Length + 2)..];
            throw new KubePkiException(
                $"cannot write {path}: cannot keep its owner and group {owner.Uid}:{owner.Gid}: {reason}",
                KubePkiErrorKind.Io,
                e
            );
        }
    }

    private static string DecodeUtf8(byte[] bytes)
    {
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        return System.Text.Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
    }

    private static void TryRestore(string path, string? backup)
    {
        try
        {
            if (backup is null)
            {
                File.Delete(path);
            }
            else
            {
                File.Move(backup, path, overwrite: true);
            }
            Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the error that caused the rollback is the one reported.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
