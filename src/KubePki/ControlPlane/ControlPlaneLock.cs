namespace KubePki.ControlPlane;

/// <summary>An exclusive advisory lock (flock, released by the kernel even on kill -9) in
/// <c>&lt;kubeconfig-dir&gt;/tmp/</c>,
/// so two runs never move manifests at once. A second run waits up to the timeout, then fails.</summary>
internal sealed class ControlPlaneLock : IDisposable
{
    public const string FileName = "kubepki-control-plane.lock";

    private const int WouldBlock = 11;

    private readonly FileStream _stream;

    private ControlPlaneLock(FileStream stream) => _stream = stream;

    public static ControlPlaneLock Acquire(string tmpDir, TimeSpan timeout, TimeProvider time)
    {
        Directory.CreateDirectory(tmpDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(tmpDir, FileName);
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            try
            {
                return new ControlPlaneLock(
                    new FileStream(
                        path,
                        new FileStreamOptions
                        {
                            Mode = FileMode.OpenOrCreate,
                            Access = FileAccess.ReadWrite,
                            Share = FileShare.None,
                            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                        }
                    )
                );
            }
            catch (IOException e) when (e.HResult == WouldBlock)
            {
                if (time.GetUtcNow() >= deadline)
                {
                    throw new KubePkiException(
                        $"another kubepki run is restarting the control plane (lock {path} is "
                            + $"held); try again when it has finished",
                        e
                    );
                }
                Thread.Sleep(200);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubePkiException($"cannot create the lock file {path}: {e.Message}", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
