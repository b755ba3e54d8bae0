using System.Security.Cryptography;

namespace KubePki.Interop.Tests.Support;

/// <summary>A directory tree as one comparable text: every entry's relative path, POSIX mode and (files) SHA-256.
/// Equal snapshots before and after a command mean it changed, added and removed nothing. The renewal's state dir
/// (<c>tmp/</c>) and its empty advisory lock file (kept by design) are not part of the tree's content.</summary>
public static class TreeSnapshot
{
    public static string Of(string root) =>
        string.Join(
            "\n",
            Directory
                .EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
                .Where(path => Path.GetRelativePath(root, path) is not ("tmp" or "tmp/kubepki-renew.lock"))
                .Select(path => (Relative: Path.GetRelativePath(root, path), Path: path))
                .OrderBy(e => e.Relative, StringComparer.Ordinal)
                .Select(e =>
                    Directory.Exists(e.Path)
                        ? $"{e.Relative}/ {Mode(e.Path)}"
                        : $"{e.Relative} {Mode(e.Path)} "
                            + $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(e.Path)))}"
                )
        );

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
}
