using System.Runtime.InteropServices;

namespace KubePki.Files;

/// <summary>The few libc calls .NET does not offer: open with O_NOFOLLOW/O_NONBLOCK, statx (owner, group, file type),
/// fchown, flock, fsync of a directory, realpath. statx's layout is the same on every Linux architecture.</summary>
internal static partial class Posix
{
    public const int ENOENT = 2;
    public const int EWOULDBLOCK = 11;
    public const int ELOOP = 40;

    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int OCreat = 0x40;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    // O_NOFOLLOW is one of the flags whose value differs between architectures.
    private static int ONoFollow =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public static uint EffectiveUserId => geteuid();

    /// <summary>Opens for reading without ever blocking (a FIFO opens at once, then fails the type check).</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRead(string path, bool noFollow) =>
        Open(path, ORdOnly | ONonBlock | OCloExec | (noFollow ? ONoFollow : 0), 0);

    /// <summary>Opens or creates (mode 0600) a lock file without following a link.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenLockFile(string path) =>
        Open(path, ORdWr | OCreat | ONonBlock | OCloExec | ONoFollow, 0x180);

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open(string path, int flags, uint mode)
    {
        var fd = open(path, flags, mode);
        if (fd < 0)
        {
            throw new PosixException(Marshal.GetLastPInvokeError(), path);
        }
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>lstat (or stat when <paramref name="follow"/>); null when nothing is there.</summary>
    public static FileFacts? Stat(string path, bool follow)
    {
        var buffer = new byte[256];
        if (statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or 20 /* ENOTDIR */
                ? null
                : throw new PosixException(errno, path);
        }
        return FileFacts.FromStatx(buffer);
    }

    public static FileFacts Stat(SafeHandle handle, string path)
    {
        var buffer = new byte[256];
        if (fstatx(handle, "", AtEmptyPath, StatxBasicStats, buffer) != 0)
        {
            throw new PosixException(Marshal.GetLastPInvokeError(), path);
        }
        return FileFacts.FromStatx(buffer);
    }

    public static void Chown(SafeHandle handle, uint uid, uint gid, string path)
    {
        if (fchown(handle, uid, gid) != 0)
        {
            throw new PosixException(Marshal.GetLastPInvokeError(), path);
        }
    }

    /// <summary>Takes an exclusive flock without waiting; false when another process holds it.</summary>
    public static bool TryLock(SafeHandle handle, string path)
    {
        if (flock(handle, LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == EWOULDBLOCK ? false : throw new PosixException(errno, path);
    }

    /// <summary>Makes the entries of a directory (renames, creations, deletions) durable.</summary>
    public static void SyncDirectory(string directory)
    {
        using var handle = Open(directory, ORdOnly | OCloExec, 0);
        if (fsync(handle) != 0)
        {
            throw new PosixException(Marshal.GetLastPInvokeError(), directory);
        }
    }

    /// <summary>The canonical path, every link resolved; null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Marshal.FreeHGlobal(resolved); // free() on Unix
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fstatx(SafeHandle dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeHandle fd, uint owner, uint group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeHandle fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(SafeHandle fd);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr realpath(string path, IntPtr resolved);
}
