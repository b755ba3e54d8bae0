using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>etcd's data dir copied as kubeadm's <c>cp -r</c> lays it out, and put back over a data dir a failed etcd
/// left changed.</summary>
public sealed class EtcdDataBackupTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-data-backup");

    [Fact]
    public void The_copy_is_laid_out_as_cp_r_keeps_modes_and_restores_the_data_dir_exactly()
    {
        var data = _dir.Combine("var", "etcd-data");
        Directory.CreateDirectory(Path.Combine(data, "member", "snap"));
        Directory.CreateDirectory(Path.Combine(data, "member", "wal"));
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllBytes(Path.Combine(data, "member", "snap", "db"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(data, "member", "wal", "0.wal"), [4, 5]);
        File.SetUnixFileMode(
            Path.Combine(data, "member", "snap", "db"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite
        );
        var backupDir = _dir.Combine("tmp", "kubeadm-backup-etcd-2026-01-01-00-00-00");
        Directory.CreateDirectory(backupDir);
        var before = Tree(data);

        var backup = EtcdDataBackup.Create(data, backupDir);

        Assert.Equal(before, Tree(Path.Combine(backupDir, "etcd-data")));
        // A failed etcd changed the data: the restore brings back exactly what was copied.
        File.WriteAllBytes(Path.Combine(data, "member", "snap", "db"), [9, 9, 9, 9]);
        File.WriteAllBytes(Path.Combine(data, "member", "wal", "1.wal"), [7]);
        backup.Restore();
        Assert.Equal(before, Tree(data));
    }

    /// <summary>Relative path → mode and content of everything under <paramref name="root"/>.</summary>
    private static Dictionary<string, string> Tree(string root) =>
        Directory
            .GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .ToDictionary(
                p => Path.GetRelativePath(root, p),
                p =>
                    $"{File.GetUnixFileMode(p)} "
                    + (File.Exists(p) ? Convert.ToHexString(File.ReadAllBytes(p)) : "<dir>")
            );

    public void Dispose() => _dir.Dispose();
}
