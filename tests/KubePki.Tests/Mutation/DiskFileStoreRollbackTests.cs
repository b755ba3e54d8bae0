using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Mutation;

/// <summary>A unit of files is written all or nothing: when a later file cannot be put in place, the files already
/// renamed over their targets are rolled back and no temp or backup file stays behind.</summary>
public class DiskFileStoreRollbackTests
{
    private static FileWrite Text(string path, string content) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(content), FileModes.Private);

    // A non-empty directory where the second file should go: staging it works, renaming over it fails.
    private static string Blocked(TempDir dir)
    {
        var blocked = dir.Combine("blocked.key");
        Directory.CreateDirectory(blocked);
        File.WriteAllText(Path.Combine(blocked, "inside"), "x");
        return blocked;
    }

    private static List<string?> Entries(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void A_failed_second_file_puts_the_first_files_old_content_back()
    {
        using var dir = new TempDir();
        var first = dir.Combine("a.crt");
        File.WriteAllText(first, "old");
        File.SetUnixFileMode(first, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var e = Assert.Throws<KubePkiException>(() =>
            DiskFileStore.Instance.Write([Text(first, "new"), Text(Blocked(dir), "new key")])
        );

        Assert.StartsWith($"cannot write {dir.Combine("blocked.key")}: ", e.Message);
        Assert.Equal("old", File.ReadAllText(first));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(first)
        );
        Assert.Equal(["a.crt", "blocked.key"], Entries(dir.Path));
    }

    [Fact]
    public void A_failed_second_file_removes_a_first_file_that_did_not_exist_before()
    {
        using var dir = new TempDir();
        var first = dir.Combine("a.crt");

        Assert.Throws<KubePkiException>(() =>
            DiskFileStore.Instance.Write([Text(first, "new"), Text(Blocked(dir), "k")])
        );

        Assert.False(File.Exists(first));
        Assert.Equal(["blocked.key"], Entries(dir.Path));
    }

    [Fact]
    public void A_written_unit_replaces_every_file_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("a.crt"), "old");

        DiskFileStore.Instance.Write([Text(dir.Combine("a.crt"), "new a"), Text(dir.Combine("sub", "b.key"), "new b")]);

        Assert.Equal("new a", File.ReadAllText(dir.Combine("a.crt")));
        Assert.Equal("new b", File.ReadAllText(dir.Combine("sub", "b.key")));
        Assert.Equal(FileModes.Private, File.GetUnixFileMode(dir.Combine("sub", "b.key")));
        Assert.Equal(["a.crt", "sub"], Entries(dir.Path));
        Assert.Equal(["b.key"], Entries(dir.Combine("sub")));
    }
}
