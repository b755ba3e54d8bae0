namespace KubePki.Files;

/// <summary>The <see cref="KubePkiErrorKind"/> of a failed file-system call.</summary>
internal static class IoErrors
{
    private const int ENOTDIR = 20;

    /// <summary><see cref="KubePkiErrorKind.NotFound"/> when the file or a directory on its path does not exist, else
    /// <see cref="KubePkiErrorKind.Io"/>.</summary>
    public static KubePkiErrorKind KindOf(Exception e) =>
        e is FileNotFoundException or DirectoryNotFoundException or PosixException { Errno: Posix.ENOENT or ENOTDIR }
            ? KubePkiErrorKind.NotFound
            : KubePkiErrorKind.Io;
}
