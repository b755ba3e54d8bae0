using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Two runs that replace files never overlap: an exclusive lock on
/// <c>&lt;kubeconfig-dir&gt;/tmp/kubepki-renew.lock</c>
/// (opened without following links). A second run waits up to the timeout on the injected clock, then fails
/// clearly.</summary>
internal static class RenewalLock
{
    public static IDisposable Acquire(IFileStore store, ReplacementScope scope, TimeSpan timeout, TimeProvider time) =>
        store.Lock(scope.LockPath, timeout, time);
}
