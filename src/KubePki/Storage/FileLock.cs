using KubePki.Files;
using Microsoft.Win32.SafeHandles;

namespace KubePki.Storage;

/// <summary>An exclusive flock on a file opened without following links (a planted link cannot make the tool create or
/// truncate a file elsewhere). The kernel drops the lock when the process ends, even on a crash. A second process
/// polls until the timeout, measured on the injected clock.</summary>
internal sealed class FileLock : IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly SafeFileHandle _handle;

    private FileLock(SafeFileHandle handle) => _handle = handle;

    public static FileLock Acquire(string path, TimeSpan timeout, TimeProvider time)
    {
        SafeFileHandle handle;
        try
        {
            handle = Posix.OpenLockFile(path);
            var facts = Posix.Stat(handle, path);
            if (facts.Kind != FileKind.Regular)
            {
                throw new KubePkiException(
                    $"the lock file {path} is {facts.KindText}; remove it",
                    KubePkiErrorKind.InvalidFile
                );
            }
        }
        catch (PosixException e) when (e.Errno == Posix.ELOOP)
        {
            throw new KubePkiException(
                $"the lock file {path} is a symbolic link; refusing to use it (remove it)",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        catch (IOException e)
        {
            throw new KubePkiException($"cannot create the lock file {path}: {e.Message}", KubePkiErrorKind.Io, e);
        }
        var deadline = time.GetUtcNow() + timeout;
        // A clock that stands still (a test's) must not wait forever: the number of polls is bounded too.
        var polls = (long)(timeout / PollInterval) + 1;
        try
        {
            while (!Posix.TryLock(handle, path))
            {
                if (time.GetUtcNow() >= deadline || polls-- <= 0)
                {
                    throw new KubePkiException(
                        $"another renewal is running (lock {path} is held); try again when it has finished",
                        KubePkiErrorKind.Busy
                    );
                }
                Task.WhenAny(Task.Delay(PollInterval, time), Task.Delay(PollInterval)).GetAwaiter().GetResult();
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new FileLock(handle);
    }

    public void Dispose() => _handle.Dispose();
}
