using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Storage;

public class DiskFileStoreTests
{
    private static readonly DiskFileStore Store = DiskFileStore.Instance;

    [Fact]
    public void A_unit_whose_second_rename_fails_puts_the_first_file_back()
    {
        using var dir = new TempDir();
        var first = dir.Combine("first.key");
        File.WriteAllText(first, "old key\n");
        // A directory (with content) where the second file goes: its temp file stages fine, its rename fails.
        var second = dir.Combine("second.crt");
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "occupied"), "x");

        var e = Assert.Throws<KubePkiException>(() =>
            Store.Write([
                FileWrite.Text(first, "new key\n", FileModes.Private),
                FileWrite.Text(second, "new cert\n", FileModes.Public),
            ])
        );

        Assert.StartsWith($"cannot write {second}: ", e.Message);
        Assert.Equal("old key\n", File.ReadAllText(first));
        var entries = Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).Order();
        Assert.Equal(["first.key", "second.crt"], entries);
    }

    [Fact]
    public void A_file_created_by_a_failed_unit_is_removed()
    {
        using var dir = new TempDir();
        var created = dir.Combine("new.key");
        var blocked = dir.Combine("blocked");
        Directory.CreateDirectory(Path.Combine(blocked, "inner"));

        Assert.Throws<KubePkiException>(() =>
            Store.Write([
                FileWrite.Text(created, "key\n", FileModes.Private),
                FileWrite.Text(blocked, "x\n", FileModes.Public),
            ])
        );

        Assert.False(File.Exists(created));
    }

    [Fact]
    public void A_replaced_file_keeps_its_mode_and_a_new_file_gets_the_requested_one()
    {
        using var dir = new TempDir();
        var existing = dir.Combine("shared.key");
        File.WriteAllText(existing, "old\n");
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Store.Write([
            FileWrite.Text(existing, "new\n", FileModes.Private),
            FileWrite.Text(dir.Combine("fresh.crt"), "c\n", FileModes.Public),
        ]);

        Assert.Equal("new\n", File.ReadAllText(existing));
        Assert.Equal(FileModes.Private | UnixFileMode.GroupRead, File.GetUnixFileMode(existing));
        Assert.Equal(FileModes.Public, File.GetUnixFileMode(dir.Combine("fresh.crt")));
    }

    [Fact]
    public void Created_parent_directories_get_exactly_the_requested_mode()
    {
        using var dir = new TempDir();
        var file = dir.Combine("a", "b", "c.key");

        Store.Write([new FileWrite(file, [1], FileModes.Private) { DirectoryMode = FileModes.PrivateDirectory }]);
        Store.CreateDirectory(dir.Combine("d", "e"), FileModes.Directory);

        Assert.Equal(FileModes.PrivateDirectory, File.GetUnixFileMode(dir.Combine("a")));
        Assert.Equal(FileModes.PrivateDirectory, File.GetUnixFileMode(dir.Combine("a", "b")));
        Assert.Equal(FileModes.Directory, File.GetUnixFileMode(dir.Combine("d")));
        Assert.Equal(FileModes.Directory, File.GetUnixFileMode(dir.Combine("d", "e")));
    }

    [Fact]
    public void Reads_refuse_what_is_not_a_regular_file_and_trusted_reads_refuse_links()
    {
        using var dir = new TempDir();
        var file = dir.Combine("real");
        File.WriteAllText(file, "content");
        File.CreateSymbolicLink(dir.Combine("link"), file);

        Assert.Equal("content", Store.ReadText(dir.Combine("link")));
        Assert.Equal(
            $"{dir.Combine("link")} is a symbolic link; refusing to read it",
            Assert.Throws<KubePkiException>(() => Store.ReadTrusted(dir.Combine("link"))).Message
        );
        Assert.Equal(
            $"{dir.Path} is a directory, not a regular file; refusing to read it",
            Assert.Throws<KubePkiException>(() => Store.ReadText(dir.Path)).Message
        );
        Assert.Equal(
            "/dev/null is a character device, not a regular file; refusing to read it",
            Assert.Throws<KubePkiException>(() => Store.ReadText("/dev/null")).Message
        );
    }
}
