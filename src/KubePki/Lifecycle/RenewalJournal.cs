using System.Text;
using KubePki.Files;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Crash safety for one unit of files. Two files cannot be renamed at once, so before a unit (a cert and its
/// key, a kubeconfig) is replaced, a journal records where the backup copies of its files are, and which files it
/// creates; the journal is removed when the unit is in place. A journal found by the next run means a crash mid-swap:
/// the copies are put back and created files removed, so no unit is ever left half-replaced.
/// The journal is trusted only as far as it can be: it lives in the 0700 state dir, is read without following links,
/// must be a regular file the running user owns, may name only files inside the cert or kubeconfig dir, and copies only
/// inside the one backup dir it names. Anything else is refused and ignored. Fields are NUL-separated, so any path
/// (tabs, newlines) survives.</summary>
internal sealed class RenewalJournal
{
    private const string Magic = "kubepki-renew-journal/v2";

    private readonly IFileStore _store;

    private readonly string _path;

    private RenewalJournal(IFileStore store, string path)
    {
        _store = store;
        _path = path;
    }

    /// <summary>A file of the unit: its backup copy, or null when the unit creates it.</summary>
    public sealed record Entry(string Original, string? Copy);

    public static RenewalJournal Begin(
        IFileStore store,
        ReplacementScope scope,
        string backupDir,
        IReadOnlyList<Entry> entries
    )
    {
        var text = new StringBuilder().Append(Magic).Append('\0').Append(Path.GetFullPath(backupDir)).Append('\0');
        foreach (var entry in entries)
        {
            text.Append(Path.GetFullPath(entry.Original))
                .Append('\0')
                .Append(entry.Copy is null ? "" : Path.GetFullPath(entry.Copy))
                .Append('\0');
        }
        if (store.Inspect(scope.JournalPath) is { Kind: not FileKind.Regular })
        {
            // A link or FIFO left there (refused by Recover) is removed, never followed or read.
            store.Delete(scope.JournalPath);
        }
        store.Write([FileWrite.Text(scope.JournalPath, text.ToString(), FileModes.Private)]);
        return new RenewalJournal(store, scope.JournalPath);
    }

    public void Complete() => _store.Delete(_path);

    /// <summary>Puts back the files of an interrupted unit. Returns what it did, one line each, and warnings about a
    /// journal it refused (which is then left alone and never acted on).</summary>
    public static IReadOnlyList<string> Recover(IFileStore store, ReplacementScope scope)
    {
        var path = scope.JournalPath;
        if (store.Inspect(path) is null)
        {
            return [];
        }
        IReadOnlyList<Entry> entries;
        try
        {
            entries = Parse(store, scope, Encoding.UTF8.GetString(store.ReadTrusted(path)));
        }
        catch (KubePkiException e)
        {
            return [$"[renew] WARNING: ignoring the renewal journal {path}: {e.Message}"];
        }
        var writes = new List<FileWrite>();
        var messages = new List<string>();
        foreach (var entry in entries.Where(e => e.Copy is not null))
        {
            var copy = entry.Copy!;
            var facts = store.Inspect(copy)!;
            writes.Add(
                new FileWrite(entry.Original, store.ReadTrusted(copy), facts.Mode)
                {
                    Owner = new FileOwner(facts.Uid, facts.Gid),
                }
            );
            messages.Add(
                $"[renew] An earlier renewal was interrupted while replacing {Quote(entry.Original)}: "
                    + "restored it from its backup"
            );
        }
        store.Write(writes);
        foreach (var entry in entries.Where(e => e.Copy is null && store.Inspect(e.Original) is not null))
        {
            store.Delete(entry.Original);
            messages.Add(
                $"[renew] An earlier renewal was interrupted while creating {Quote(entry.Original)}: removed it"
            );
        }
        store.Delete(path);
        return messages;
    }

    private static IReadOnlyList<Entry> Parse(IFileStore store, ReplacementScope scope, string text)
    {
        var fields = text.Split('\0');
        if (fields.Length < 3 || fields[0] != Magic || fields[^1].Length != 0 || (fields.Length - 3) % 2 != 0)
        {
            throw new KubePkiException("not a journal this version of kubepki wrote", KubePkiErrorKind.InvalidFile);
        }
        var stateDir =
            store.ResolvePath(scope.StateDir)
            ?? throw new KubePkiException($"{scope.StateDir} is missing", KubePkiErrorKind.NotFound);
        var backupDir = fields[1];
        var backupFacts = store.Inspect(backupDir);
        if (
            Path.GetDirectoryName(backupDir) != stateDir
            || !Path.GetFileName(backupDir).StartsWith("kubepki-backup-", StringComparison.Ordinal)
            || backupFacts is not { Kind: FileKind.Directory }
            || backupFacts.Uid != DiskFileStore.CurrentUserId
        )
        {
            throw new KubePkiException(
                $"{Quote(backupDir)} is not a backup dir kubepki made in {stateDir}",
                KubePkiErrorKind.InvalidFile
            );
        }
        var roots = new[] { scope.CertDir, scope.KubeconfigDir }
            .Select(d => store.ResolvePath(d))
            .OfType<string>()
            .ToList();
        var entries = new List<Entry>();
        for (var i = 2; i < fields.Length - 1; i += 2)
        {
            var original =
                Inside(store, fields[i], roots, stateDir)
                ?? throw new KubePkiException(
                    $"{Quote(fields[i])} is not inside the cert dir or the kubeconfig dir",
                    KubePkiErrorKind.InvalidFile
                );
            string? copy = null;
            if (fields[i + 1].Length > 0)
            {
                copy =
                    Inside(store, fields[i + 1], [backupDir], null)
                    ?? throw new KubePkiException(
                        $"{Quote(fields[i + 1])} is not inside the backup dir {backupDir}",
                        KubePkiErrorKind.InvalidFile
                    );
                if (
                    store.Inspect(copy) is not { Kind: FileKind.Regular } facts
                    || facts.Uid != DiskFileStore.CurrentUserId
                )
                {
                    throw new KubePkiException(
                        $"the backup copy {Quote(copy)} of {Quote(original)} is missing or "
                            + $"not a regular file kubepki wrote; check {Quote(original)} by hand",
                        KubePkiErrorKind.InvalidFile
                    );
                }
            }
            entries.Add(new Entry(original, copy));
        }
        return entries;
    }

    /// <summary>The path with its directory's links resolved, when that lies under one of the roots (and not in the
    /// state dir); else null.</summary>
    private static string? Inside(IFileStore store, string path, IReadOnlyList<string> roots, string? excluded)
    {
        if (!Path.IsPathFullyQualified(path) || Path.GetFullPath(path) != path || Path.GetFileName(path).Length == 0)
        {
            return null;
        }
        var directory = store.ResolvePath(Path.GetDirectoryName(path)!);
        if (directory is null)
        {
            return null;
        }
        var resolved = Path.Combine(directory, Path.GetFileName(path));
        bool Under(string root) =>
            (resolved + "/").StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal) && resolved != root;
        return roots.Any(Under) && (excluded is null || !Under(excluded)) ? resolved : null;
    }

    // Control characters are shown escaped, so a planted name cannot forge lines of output.
    private static string Quote(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}
