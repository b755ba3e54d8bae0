namespace KubePki.Storage;

/// <summary>The real file system, with every write atomic: a temp file in the target directory created with its final
/// mode, flushed to disk, then renamed over the target.</summary>
public sealed class DiskFileStore : IFileStore
{
    public static DiskFileStore Instance { get; } = new();

    public bool Exists(string path) => File.Exists(path);

    public string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubePkiException($"{path}: cannot read: {e.Message}", e);
        }
    }

    public void Write(IReadOnlyList<FileWrite> files)
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
                    File.Copy(file.Path, backup);
                    staged[^1] = (file.Path, temp, backup);
                }
            }
            foreach (var entry in staged)
            {
                current = entry.Path;
                File.Move(entry.Temp, entry.Path, overwrite: true);
                committed++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var entry in staged.Take(committed))
            {
                TryRestore(entry.Path, entry.Backup);
            }
            throw new KubePkiException($"cannot write {current}: {e.Message.TrimEnd('.')}", e);
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

    public static void EnsureDirectory(string directory, UnixFileMode mode = FileModes.Directory)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, mode);
        }
    }

    private static string Stage(FileWrite file)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        EnsureDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(file.Path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = file.Mode,
        };
        try
        {
            using var stream = new FileStream(temp, options);
            // The umask may have narrowed the create mode; set it exactly before any byte is written.
            File.SetUnixFileMode(stream.SafeFileHandle, file.Mode);
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
