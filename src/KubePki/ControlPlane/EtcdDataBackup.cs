using KubePki.Files;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>etcd's data dir copied before etcd's manifest is replaced, as kubeadm's <c>cp -r &lt;data-dir&gt;
/// &lt;kubeconfig-dir&gt;/tmp/kubeadm-backup-etcd-&lt;timestamp&gt;</c> lays it out: the copy is
/// <c>kubeadm-backup-etcd-&lt;timestamp&gt;/&lt;data dir's name&gt;/</c>. Each file keeps its mode and owner;
/// directories keep their mode; links stay links.</summary>
internal sealed class EtcdDataBackup
{
    private EtcdDataBackup(string dataDir, string backupDir)
    {
        DataDir = dataDir;
        BackupDir = backupDir;
    }

    public string DataDir { get; }

    /// <summary>The timestamped directory under the tmp dir.</summary>
    public string BackupDir { get; }

    private string Copy => Path.Combine(BackupDir, Path.GetFileName(Path.TrimEndingDirectorySeparator(DataDir)));

    public static EtcdDataBackup Create(string dataDir, string backupDir)
    {
        if (Posix.Stat(dataDir, follow: true) is not { Kind: FileKind.Directory })
        {
            throw new KubePkiException(
                $"failed to back up etcd data: {dataDir} is not a directory",
                KubePkiErrorKind.InvalidFile
            );
        }
        var backup = new EtcdDataBackup(dataDir, backupDir);
        CopyTree(dataDir, backup.Copy);
        return backup;
    }

    /// <summary>Replaces the data dir's content with the copy (etcd must not be running).</summary>
    public void Restore()
    {
        foreach (var entry in DiskFileStore.Instance.List(DataDir))
        {
            if (Posix.Stat(entry, follow: false) is { Kind: FileKind.Directory })
            {
                DiskFileStore.Instance.DeleteDirectory(entry);
            }
            else
            {
                DiskFileStore.Instance.Delete(entry);
            }
        }
        foreach (var entry in DiskFileStore.Instance.List(Copy))
        {
            CopyEntry(entry, Path.Combine(DataDir, Path.GetFileName(entry)));
        }
    }

    private static void CopyTree(string source, string target)
    {
        var facts = Posix.Stat(source, follow: true)!;
        DiskFileStore.Instance.CreateDirectory(target, facts.Mode);
        foreach (var entry in DiskFileStore.Instance.List(source))
        {
            CopyEntry(entry, Path.Combine(target, Path.GetFileName(entry)));
        }
    }

    private static void CopyEntry(string source, string target)
    {
        var facts =
            Posix.Stat(source, follow: false)
            ?? throw new KubePkiException(
                $"failed to back up etcd data: {source} vanished while copying",
                KubePkiErrorKind.NotFound
            );
        switch (facts.Kind)
        {
            case FileKind.Directory:
                CopyTree(source, target);
                break;
            case FileKind.SymbolicLink:
                File.CreateSymbolicLink(target, new FileInfo(source).LinkTarget!);
                break;
            case FileKind.Regular:
                // One file at a time: WAL segments are 64 MiB each.
                DiskFileStore.Instance.Write([
                    new FileWrite(target, SafeFileReader.Read(source), facts.Mode)
                    {
                        Owner = new FileOwner(facts.Uid, facts.Gid),
                        DirectoryMode = FileModes.PrivateDirectory,
                    },
                ]);
                break;
            default:
                throw new KubePkiException(
                    $"failed to back up etcd data: {source} is {facts.KindText}; refusing to copy it",
                    KubePkiErrorKind.InvalidFile
                );
        }
    }
}
