namespace KubePki.Storage;

/// <summary>One file to write: absolute path, content and the mode it has from the moment it exists. A file that
/// replaces an existing one keeps that file's owner, group and mode instead (as kubeadm's in-place writes do), unless
/// <see cref="Owner"/> names them explicitly (backup copies and restores).</summary>
internal sealed record FileWrite(string Path, byte[] Content, UnixFileMode Mode)
{
    /// <summary>Exact owner and group (with <see cref="FileWrite.Mode"/> as the exact mode), for copies that must carry
    /// their original's attributes.</summary>
    public FileOwner? Owner { get; init; }

    /// <summary>The mode of parent directories this write has to create: 0755 as kubeadm's, 0700 where they hold keys
    /// that are not the cluster's (CSR dirs, backups).</summary>
    public UnixFileMode DirectoryMode { get; init; } = FileModes.Directory;

    public static FileWrite Text(string path, string content, UnixFileMode mode) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(content), mode);
}

/// <summary>A numeric owner and group.</summary>
internal sealed record FileOwner(uint Uid, uint Gid);
