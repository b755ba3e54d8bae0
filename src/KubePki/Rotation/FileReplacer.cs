using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>Replaces files the way <c>certs renew</c> does: each existing file is copied to the run's backup directory
/// first, a unit of several files is recorded in the renewal journal while it is swapped (so a crash mid-swap is put
/// back by the next run), and a replaced file keeps its mode. With --dry-run the store only reports.</summary>
internal sealed class FileReplacer(IssueContext context, bool dryRun)
{
    private readonly List<string> _changed = [];
    private readonly Dictionary<string, string> _saved = new(StringComparer.Ordinal);
    private BackupDirectory? _backup;

    public string? BackupPath => _backup?.Path;

    public IReadOnlyList<string> Changed => _changed;

    public void Replace(IReadOnlyList<FileWrite> writes)
    {
        var store = context.Pki.Store;
        if (dryRun)
        {
            store.Write(writes);
            return;
        }
        var kept = writes.Select(w => File.Exists(w.Path) ? w with { Mode = File.GetUnixFileMode(w.Path) }
            : w).ToList();
        var existing = kept.Where(w => File.Exists(w.Path)).Select(w => w.Path).ToList();
        if (existing.Count == 0)
        {
            store.Write(kept);
            _changed.AddRange(kept.Select(w => w.Path));
            return;
        }
        if (_backup is null)
        {
            _backup = BackupDirectory.Create(context.Config.KubeconfigDir, context.Start);
            context.Log.WriteLine($"[ca rotate] Backing up the files it replaces to {_backup.Path}");
        }
        var saved = existing.Select(path => (path, Save(path))).ToList();
        var journal = RenewalJournal.Begin(context.Pki.Root, saved);
        try
        {
            store.Write(kept);
        }
        catch (KubePkiException)
        {
            journal.Complete(); // the store has already put the files back
            throw;
        }
        journal.Complete();
        _changed.AddRange(kept.Select(w => w.Path));
    }

    /// <summary>The first copy of a file in this run is its backup; a later one (the same file replaced again) sits
    /// beside it with a number, so the journal always points at the content it replaces.</summary>
    private string Save(string path)
    {
        if (!_saved.TryGetValue(path, out var first))
        {
            first = _backup!.Save(path);
            _saved[path] = first;
            return first;
        }
        var copy = $"{first}.{_changed.Count(c => c == path)}";
        File.Copy(path, copy, overwrite: true);
        return copy;
    }
}
