namespace KubePki.Lifecycle;

/// <summary>A timestamped 0700 directory (like kubeadm's <c>/etc/kubernetes/tmp/kubeadm-backup-*</c>) holding copies of
/// the files a renewal replaces, laid out relative to the kubeconfig dir.</summary>
public sealed class BackupDirectory
{
    private BackupDirectory(string path, string baseDir, bool createdParent)
    {
        Path = path;
        _baseDir = baseDir;
        _createdParent = createdParent;
    }

    private readonly string _baseDir;

    private readonly bool _createdParent;

    public string Path { get; }

    public static BackupDirectory Create(string baseDir, DateTimeOffset now)
    {
        var parent = System.IO.Path.Combine(baseDir, "tmp");
        var createdParent = !Directory.Exists(parent);
        Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", System.Globalization.CultureInfo.InvariantCulture);
        var path = System.IO.Path.Combine(parent, $"kubepki-backup-certs-{stamp}");
        for (var n = 1; Directory.Exists(path); n++)
        {
            path = System.IO.Path.Combine(parent, $"kubepki-backup-certs-{stamp}-{n}");
        }
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new BackupDirectory(path, baseDir, createdParent);
    }

    /// <summary>Copies a file in, keeping its mode; returns the copy's path.</summary>
    public string Save(string file)
    {
        var full = System.IO.Path.GetFullPath(file);
        var baseFull = System.IO.Path.GetFullPath(_baseDir);
        var relative = full.StartsWith(baseFull + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? System.IO.Path.GetRelativePath(baseFull, full)
            : full.TrimStart(System.IO.Path.DirectorySeparatorChar);
        var target = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var partial = target + ".partial";
        try
        {
            File.Copy(full, partial, overwrite: false);
            File.Move(partial, target);
        }
        finally
        {
            File.Delete(partial);
        }
        return target;
    }

    /// <summary>Removes the directory when nothing was replaced, so a failed run leaves no trace.</summary>
    public void Remove()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
            var parent = System.IO.Path.GetDirectoryName(Path)!;
            if (_createdParent && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
        catch (IOException)
        {
        }
    }
}
