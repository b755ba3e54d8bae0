using KubePki.Files;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Replaces files as units, safely, for any use case that rewrites live cluster files (renewal, CA rotation,
/// manifest edits). One per run:
/// <list type="number">
/// <item><see cref="Open"/> checks the state dir (<c>&lt;kubeconfig-dir&gt;/tmp</c>), takes the lock, puts back a
/// unit a crashed run left half-replaced (see <see cref="RenewalJournal"/>) and removes temp files such a run
/// left.</item>
/// <item><see cref="Replace"/> backs up the unit's existing files (owner, group and mode kept), journals them, writes
/// the unit atomically through the store (replaced files keep their owner, group and mode; the directory is fsynced),
/// then drops the journal. The caller verifies new content before it calls this.</item>
/// <item><see cref="Finish"/> applies the backup retention; <see cref="Dispose"/> releases the lock.</item>
/// </list>
/// Everything goes through <see cref="IFileStore"/>: over a dry-run store nothing on disk changes.</summary>
internal sealed class FileReplacer : IDisposable
{
    private readonly IFileStore _store;

    private readonly ReplacementScope _scope;

    private readonly ReplacementPolicy _policy;

    private readonly DateTimeOffset _start;

    private readonly TextWriter _log;

    private readonly IDisposable _lock;

    private BackupDirectory? _backup;

    // How often this run has backed up each file: a file replaced again is saved beside its first copy.
    private readonly Dictionary<string, int> _saves = new(StringComparer.Ordinal);

    private FileReplacer(
        IFileStore store,
        ReplacementScope scope,
        ReplacementPolicy policy,
        DateTimeOffset start,
        TextWriter log,
        IDisposable held
    )
    {
        _store = store;
        _scope = scope;
        _policy = policy;
        _start = start;
        _log = log;
        _lock = held;
    }

    /// <summary>The backup dir this run wrote, once it replaced something.</summary>
    public string? BackupPath => _backup?.Path;

    public static FileReplacer Open(
        IFileStore store,
        ReplacementScope scope,
        ReplacementPolicy policy,
        TimeProvider time,
        TextWriter log
    )
    {
        StateDirectory.RequireCertDir(store, scope.CertDir);
        StateDirectory.Prepare(store, scope);
        foreach (var warning in StateDirectory.InsecureDirectoryWarnings(store, scope.CertDir))
        {
            log.WriteLine(warning);
        }
        var held = RenewalLock.Acquire(store, scope, policy.LockTimeout, time);
        try
        {
            foreach (var line in RenewalJournal.Recover(store, scope))
            {
                log.WriteLine(line);
            }
            foreach (var leftover in Leftovers(store, scope))
            {
                store.Delete(leftover);
                log.WriteLine($"[renew] Removed {leftover}, left behind by an interrupted run");
            }
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return new FileReplacer(store, scope, policy, time.GetUtcNow(), log, held);
    }

    /// <summary>Replaces the files as one unit (see the class summary). On failure nothing of the unit has
    /// changed.</summary>
    public void Replace(IReadOnlyList<FileWrite> writes)
    {
        if (_backup is null)
        {
            _backup = BackupDirectory.Create(_store, _scope, _policy.BackupKind, _start);
            _log.WriteLine($"[renew] Backing up the files it replaces to {_backup.Path}");
        }
        var entries = writes
            .Select(w => new RenewalJournal.Entry(w.Path, _store.Exists(w.Path) ? Save(w.Path) : null))
            .ToList();
        var journal = RenewalJournal.Begin(_store, _scope, _backup.Path, entries);
        try
        {
            _store.Write(writes);
        }
        catch (Exception e) when (e is KubePkiException or IOException or UnauthorizedAccessException)
        {
            journal.Complete(); // the store has already put the files back
            throw;
        }
        // Anything else (a crash) leaves the journal, so the next Open puts the backed-up files back.
        journal.Complete();
    }

    private string Save(string path)
    {
        var full = Path.GetFullPath(path);
        var count = _saves.GetValueOrDefault(full);
        _saves[full] = count + 1;
        return _backup!.Save(full, count);
    }

    /// <summary>Removes this run's backup dir; for a run that replaced nothing.</summary>
    public void DiscardBackup()
    {
        _backup?.Remove();
        _backup = null;
    }

    /// <summary>Keeps the newest backups per the policy; returns the removed dirs.</summary>
    public IReadOnlyList<string> Finish() =>
        _backup is null ? [] : BackupDirectory.Prune(_store, _scope, _policy.BackupKind, _policy.BackupRetention);

    public void Dispose() => _lock.Dispose();

    /// <summary>Temp files and rollback copies of <see cref="DiskFileStore"/> writes (some hold private keys) that a
    /// crash left in the cert dir (and its subdirs), the kubeconfig dir or a backup dir: regular files the running
    /// user owns, reached without following links.</summary>
    private static IEnumerable<string> Leftovers(IFileStore store, ReplacementScope scope)
    {
        var roots = new[] { (scope.CertDir, Depth: 3), (scope.KubeconfigDir, Depth: 1), (scope.StateDir, Depth: 4) };
        return roots.SelectMany(r => Walk(store, r.Item1, r.Depth)).Distinct().ToList();
    }

    private static IEnumerable<string> Walk(IFileStore store, string directory, int depth)
    {
        foreach (var entry in store.List(directory))
        {
            var facts = store.Inspect(entry);
            if (facts is { Kind: FileKind.Directory } && depth > 1)
            {
                foreach (var inner in Walk(store, entry, depth - 1))
                {
                    yield return inner;
                }
            }
            else if (
                facts is { Kind: FileKind.Regular }
                && facts.Uid == DiskFileStore.CurrentUserId
                && DiskFileStore.IsLeftover(Path.GetFileName(entry))
            )
            {
                yield return entry;
            }
        }
    }
}
