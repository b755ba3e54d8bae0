namespace KubePki.Lifecycle;

/// <summary>Where a run may replace files (the cert dir and the kubeconfig dir) and where it keeps its own state:
/// <c>&lt;kubeconfig-dir&gt;/tmp/</c> (0700, like kubeadm's backups) holds the lock, the journal and the
/// backups.</summary>
internal sealed record ReplacementScope(string CertDir, string KubeconfigDir)
{
    public string StateDir => Path.Combine(KubeconfigDir, "tmp");

    public string LockPath => Path.Combine(StateDir, "kubepki-renew.lock");

    public string JournalPath => Path.Combine(StateDir, "kubepki-renew.journal");
}

/// <summary>How a run replaces files: how long to wait for another run's lock, how many backup dirs to keep (0 = none
/// once the run is done) and the backup dirs' name (<c>kubepki-backup-&lt;kind&gt;-&lt;timestamp&gt;</c>).</summary>
internal sealed record ReplacementPolicy(
    TimeSpan LockTimeout,
    int BackupRetention = ReplacementPolicy.DefaultBackupRetention,
    string BackupKind = "certs"
)
{
    public const int DefaultBackupRetention = 3;
}
