using System.Security.Cryptography;

namespace KubePki.Tests;

/// <summary>Every file under a directory with its SHA-256 and mode: compare before/after to prove nothing
/// changed.</summary>
public sealed record TreeSnapshot(IReadOnlyDictionary<string, string> Files)
{
    public static TreeSnapshot Of(string root) =>
        new(
            Directory
                .EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != "kubepki-renew.lock") // the renewal lock, kept by design
                .ToDictionary(
                    f => Path.GetRelativePath(root, f),
                    f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + " " + File.GetUnixFileMode(f)
                )
        );

    public void AssertSame(TreeSnapshot after)
    {
        Assert.Equal(Files.Keys.Order(), after.Files.Keys.Order());
        foreach (var (path, hash) in Files)
        {
            Assert.True(hash == after.Files[path], $"{path} changed");
        }
    }
}
