namespace KubePki.Lifecycle;

/// <summary>A timestamped 0700 directory (like kubeadm's <c>/etc/kubernetes/tmp/kubeadm-backup-*</c>) holding copies of
/// the files a renewal replaces, laid out relative to the kubeconfig dir.</summary>
public sealed class BackupDirectory
{
    private BackupDirectory(string path, string baseDir)
    {
        Path = path;
        _baseDir = baseDir;
    }

    private readonly string _baseDir;

    public string Path { get; }

    public static BackupDirectory Create(string baseDir, DateTimeOffset now)
    {
        var parent = System.IO.Path.Combine(baseDir, "tmp");
        Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", System.Globalization.CultureInfo.InvariantCulture);
        var path = System.IO.Path.Combine(parent, $"kubepki-backup-certs-{stamp}");
        for (var n = 1; Directory.Exists(path); n++)
        {
            path = System.IO.Path.Combine(parent, $"kubepki-backup-certs-{stamp}-{n}");
        }
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new BackupDirectory(path, baseDir);
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
        File.Copy(full, target, overwrite: false);
        return target;
    }
}
