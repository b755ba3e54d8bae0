using System.Text;
using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Mutation;

/// <summary>The file store's contract beyond the multi-file rollback: reads (a UTF-8 BOM dropped, errors naming the
/// file), listings, directory creation that leaves existing directories alone, deletes that tolerate absence, writes
/// that keep a replaced file's owner and group (and put them back on rollback), and the names of the temp files a
/// crash can leave.</summary>
public class DiskFileStoreContractTests
{
    private static readonly DiskFileStore Store = DiskFileStore.Instance;

    private static FileWrite Text(string path, string content, UnixFileMode mode = FileModes.Private) =>
        new(path, Encoding.UTF8.GetBytes(content), mode);

    private static string Owner(string path) => Store.Inspect(path) is { } facts ? $"{facts.Uid}:{facts.Gid}" : "none";

    private static void Chown(string path, string owner)
    {
        var result = ExternalTool.Run("chown", [owner, path]);
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Fact]
    public void Text_is_read_as_utf8_without_its_byte_order_mark()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("bom"), [0xEF, 0xBB, 0xBF, (byte)'a', 0xC3, 0xA9]);
        File.WriteAllBytes(dir.Combine("plain"), [(byte)'a', 0xC3, 0xA9]);
        File.WriteAllBytes(dir.Combine("only-bom"), [0xEF, 0xBB, 0xBF]);
        File.WriteAllBytes(dir.Combine("short"), [(byte)'x']);

        Assert.Equal("aé", Store.ReadText(dir.Combine("bom")));
        Assert.Equal("aé", Store.ReadText(dir.Combine("plain")));
        Assert.Equal("", Store.ReadText(dir.Combine("only-bom")));
        Assert.Equal("x", Store.ReadText(dir.Combine("short")));
        Assert.Equal([0xEF, 0xBB, 0xBF], Store.ReadBytes(dir.Combine("only-bom")));
        Assert.Equal([(byte)'x'], Store.ReadTrusted(dir.Combine("short")));
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_named_in_the_error()
    {
        using var dir = new TempDir();
        var missing = dir.Combine("missing.crt");

        var e = Assert.Throws<KubePkiException>(() => Store.ReadBytes(missing));

        Assert.StartsWith($"{missing}: cannot read: ", e.Message);
        Assert.True(e.InnerException is IOException, e.InnerException?.GetType().Name);
        Assert.False(Store.Exists(missing));
    }

    [Fact]
    public void A_listing_is_sorted_by_bytes_and_a_missing_directory_lists_nothing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("b"), "");
        File.WriteAllText(dir.Combine("B"), "");
        Directory.CreateDirectory(dir.Combine("a"));

        Assert.Equal([dir.Combine("B"), dir.Combine("a"), dir.Combine("b")], Store.List(dir.Path));
        Assert.Empty(Store.List(dir.Combine("missing")));
        Assert.True(Store.Exists(dir.Combine("b")));
        Assert.False(Store.Exists(dir.Combine("a")));
    }

    [Fact]
    public void An_existing_directory_keeps_its_mode()
    {
        using var dir = new TempDir();
        var existing = dir.Combine("existing");
        Directory.CreateDirectory(existing);
        File.SetUnixFileMode(existing, FileModes.PrivateDirectory);

        Store.CreateDirectory(existing, FileModes.Directory);
        Store.CreateDirectory(Path.Combine(existing, "new") + "/", FileModes.Directory);

        Assert.Equal(FileModes.PrivateDirectory, File.GetUnixFileMode(existing));
        Assert.Equal(FileModes.Directory, File.GetUnixFileMode(Path.Combine(existing, "new")));
    }

    [Fact]
    public void Deleting_what_is_absent_is_not_an_error()
    {
        using var dir = new TempDir();
        var file = dir.Combine("file");
        File.WriteAllText(file, "x");
        var tree = dir.Combine("tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.WriteAllText(Path.Combine(tree, "sub", "f"), "x");

        Store.Delete(file);
        Store.Delete(file);
        Store.DeleteDirectory(tree);

        Assert.False(File.Exists(file));
        Assert.False(Directory.Exists(tree));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_dangling_link_is_deleted_not_followed()
    {
        using var dir = new TempDir();
        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, dir.Combine("nowhere"));

        Store.Delete(link);

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void An_empty_unit_writes_nothing()
    {
        using var dir = new TempDir();

        Store.Write([]);

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_file_that_cannot_be_staged_is_named_without_a_trailing_period_and_nothing_stays_behind()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("a.crt"), "old");
        // A regular file where the second file's directory should be.
        File.WriteAllText(dir.Combine("not-a-dir"), "x");
        var blocked = dir.Combine("not-a-dir", "b.key");

        var e = Assert.Throws<KubePkiException>(() =>
            Store.Write([Text(dir.Combine("a.crt"), "new"), Text(blocked, "key")])
        );

        Assert.StartsWith($"cannot write {blocked}: ", e.Message);
        Assert.False(e.Message.EndsWith('.'), e.Message);
        Assert.Equal("old", File.ReadAllText(dir.Combine("a.crt")));
        Assert.Equal(
            ["a.crt", "not-a-dir"],
            Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public void A_replaced_file_keeps_its_owner_and_group_and_a_new_file_gets_the_one_asked_for()
    {
        using var dir = new TempDir();
        var existing = dir.Combine("etcd.key");
        File.WriteAllText(existing, "old");
        Chown(existing, "1234:2345");
        File.SetUnixFileMode(existing, FileModes.Private | UnixFileMode.GroupRead);
        var fresh = dir.Combine("fresh.key");
        var me = $"{DiskFileStore.CurrentUserId}:{Store.Inspect(dir.Path)!.Gid}";

        Store.Write([
            Text(existing, "new"),
            Text(fresh, "k") with
            {
                Owner = new FileOwner(4321, 5432),
            },
            Text(dir.Combine("mine.key"), "m"),
        ]);

        Assert.Equal("new", File.ReadAllText(existing));
        Assert.Equal("1234:2345", Owner(existing));
        Assert.Equal(FileModes.Private | UnixFileMode.GroupRead, File.GetUnixFileMode(existing));
        Assert.Equal("4321:5432", Owner(fresh));
        Assert.Equal(FileModes.Private, File.GetUnixFileMode(fresh));
        Assert.Equal(me, Owner(dir.Combine("mine.key")));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_replaced_or_rolled_back_file_keeps_an_owner_or_group_that_differs_alone(
        bool otherUser,
        bool otherGroup
    )
    {
        using var dir = new TempDir();
        var existing = dir.Combine("shared.crt");
        File.WriteAllText(existing, "old");
        var mine = Store.Inspect(existing)!;
        var owner = $"{(otherUser ? 1234 : mine.Uid)}:{(otherGroup ? 2345 : mine.Gid)}";
        Chown(existing, owner);
        var blocked = dir.Combine("blocked.crt");
        Directory.CreateDirectory(Path.Combine(blocked, "inner"));

        Store.Write([Text(existing, "new")]);
        Assert.Equal(owner, Owner(existing));
        Assert.Throws<KubePkiException>(() => Store.Write([Text(existing, "newer"), Text(blocked, "c")]));

        Assert.Equal("new", File.ReadAllText(existing));
        Assert.Equal(owner, Owner(existing));
    }

    [Fact]
    public void A_given_owner_replaces_the_old_one_with_exactly_the_given_mode()
    {
        using var dir = new TempDir();
        var existing = dir.Combine("copy.key");
        File.WriteAllText(existing, "old");
        Chown(existing, "1234:2345");
        File.SetUnixFileMode(existing, FileModes.Public);

        Store.Write([Text(existing, "new", FileModes.Private) with { Owner = new FileOwner(4321, 5432) }]);

        Assert.Equal("4321:5432", Owner(existing));
        Assert.Equal(FileModes.Private, File.GetUnixFileMode(existing));
    }

    [Fact]
    public void A_rolled_back_file_gets_its_owner_group_and_mode_back()
    {
        using var dir = new TempDir();
        var first = dir.Combine("etcd.key");
        File.WriteAllText(first, "old");
        Chown(first, "1234:2345");
        File.SetUnixFileMode(first, FileModes.Private | UnixFileMode.GroupRead);
        var blocked = dir.Combine("blocked.crt");
        Directory.CreateDirectory(Path.Combine(blocked, "inner"));

        Assert.Throws<KubePkiException>(() => Store.Write([Text(first, "new"), Text(blocked, "c")]));

        Assert.Equal("old", File.ReadAllText(first));
        Assert.Equal("1234:2345", Owner(first));
        Assert.Equal(FileModes.Private | UnixFileMode.GroupRead, File.GetUnixFileMode(first));
    }

    [Fact]
    public void A_file_replaced_through_a_link_takes_the_mode_of_the_file_the_link_points_to()
    {
        using var dir = new TempDir();
        var target = dir.Combine("real.crt");
        File.WriteAllText(target, "old");
        File.SetUnixFileMode(target, FileModes.Private | UnixFileMode.GroupRead);
        var link = dir.Combine("link.crt");
        File.CreateSymbolicLink(link, target);

        Store.Write([Text(link, "new", FileModes.Public)]);

        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(link));
        Assert.Equal(FileModes.Private | UnixFileMode.GroupRead, File.GetUnixFileMode(link));
    }

    [Theory]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmp", true)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmp.old", true)]
    [InlineData(".k.0123456789abcdef0123456789abcdef.tmp", true)]
    [InlineData("apiserver.crt.0123456789abcdef0123456789abcdef.tmp", false)]
    [InlineData("x.apiserver.crt.0123456789abcdef0123456789abcdef.tmp", false)]
    [InlineData("..0123456789abcdef0123456789abcdef.tmp", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcde.tmp", false)]
    [InlineData(".apiserver.crt.0123456789ABCDEF0123456789ABCDEF.tmp", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdeg.tmp", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmp.bak", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmp.old.old", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmpx", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef-tmp", false)]
    [InlineData(".apiserver.crt-0123456789abcdef0123456789abcdef.tmp", false)]
    [InlineData(".apiserver.crt.0123456789abcdef0123456789abcdef.tmp-old", false)]
    [InlineData(".apiserver.crt", false)]
    public void Leftovers_are_recognised_by_the_exact_temp_name_pattern(string name, bool leftover)
    {
        Assert.Equal(leftover, DiskFileStore.IsLeftover(name));
    }

    [Fact]
    public void A_unit_failing_at_a_rollback_copy_removes_what_it_staged()
    {
        using var dir = new TempDir();
        var target = dir.Combine("a.crt");
        File.WriteAllText(target, "old");
        // A FIFO where the second file goes: its rollback copy cannot be made, after the first file was staged.
        var fifo = dir.Combine("b.crt");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);

        var e = Assert.Throws<KubePkiException>(() => Store.Write([Text(target, "new"), Text(fifo, "c")]));

        Assert.Equal($"{fifo} is a FIFO, not a regular file; refusing to read it", e.Message);
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(
            ["a.crt", "b.crt"],
            Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
    }
}
