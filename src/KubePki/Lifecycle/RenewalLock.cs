namespace KubePki.Lifecycle;

/// <summary>An exclusive advisory lock file in the cert dir so two renewals never run at once. A second process
/// waits up to the timeout, then fails with a clear message.</summary>
public sealed class RenewalLock : IDisposable
{
    public const string FileName = ".kubepki-renew.lock";

    // What .NET reports when another holder has the flock: the raw EWOULDBLOCK, or Windows' sharing violation.
    private const int WouldBlock = 11;
    private const int SharingViolation = 32;

    private readonly FileStream _stream;

    private RenewalLock(FileStream stream) => _stream = stream;

    public static RenewalLock Acquire(string certDir, TimeSpan timeout)
    {
        var path = Path.Combine(certDir, FileName);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive flock on Unix; it is released when the process ends, even on a crash.
                var stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                return new RenewalLock(stream);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new KubePkiException($"cannot create the lock file {path}: {e.Message}", e);
            }
            catch (IOException e) when (e.HResult == WouldBlock || (e.HResult & 0xFFFF) == SharingViolation)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new KubePkiException($"another renewal is running (lock {path} is held); try again when it has finished", e);
                }
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                throw new KubePkiException($"cannot create the lock file {path}: {e.Message}", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
