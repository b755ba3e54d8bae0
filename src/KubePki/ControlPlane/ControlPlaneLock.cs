using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>An exclusive lock on <c>&lt;kubeconfig-dir&gt;/tmp/kubepki-control-plane.lock</c>, so two runs never move
/// manifests at once: the store's lock (flock, released by the kernel even on kill -9; the file opened without
/// following links, and only a regular file used). A second run waits up to the timeout, then fails. The caller has
/// checked <c>tmp/</c> first (<see cref="Lifecycle.StateDirectory"/>).</summary>
internal static class ControlPlaneLock
{
    public const string FileName = "kubepki-control-plane.lock";

    public static IDisposable Acquire(IFileStore store, string tmpDir, TimeSpan timeout, TimeProvider time) =>
        store.Lock(Path.Combine(tmpDir, FileName), timeout, time);
}
