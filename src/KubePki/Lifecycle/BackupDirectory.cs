using System.Globalization;
using KubePki.Files;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>A timestamped 0700 directory (like kubeadm's <c>/etc/kubernetes/tmp/kubeadm-backup-*</c>) holding copies of
/// the files a run replaces, laid out relative to the kubeconfig dir. Copies keep their original's owner, group and
/// mode.</summary>
internal sealed class BackupDirectory
{
    private readonly IFileStore _store;

    private readonly ReplacementScope _scope;

    private BackupDirectory(IFileStore store, ReplacementScope scope, string path)
    {
        _store = store;
        _scope = scope;
        Path = path;
    }

    public string Path { get; }

    public static string Prefix(string kind) => $"kubepki-backup-{kind}-";

    public static BackupDirectory Create(IFileStore store, ReplacementScope scope, string kind, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);
        var path = System.IO.Path.Combine(scope.StateDir, Prefix(kind) + stamp);
        for (var n = 1; store.Inspect(path) is not null; n++)
        {
            path = System.IO.Path.Combine(scope.StateDir, $"{Prefix(kind)}{stamp}-{n}");
        }
        store.CreateDirectory(path, FileModes.PrivateDirectory);
        return new BackupDirectory(store, scope, path);
    }

    /// <summary>Copies a file in; returns the copy's path. A run that replaces the same file again passes its
    /// <paramref name="replacement"/> number (1, 2, …): that copy goes beside the first (<c>&lt;file&gt;.1</c>), so the
    /// first keeps what the run started from and each journal points at the content it replaces.</summary>
    public string Save(string file, int replacement = 0)
    {
        var full = System.IO.Path.GetFullPath(file);
        var baseFull = System.IO.Path.GetFullPath(_scope.KubeconfigDir);
        var relative = full.StartsWith(baseFull + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? System.IO.Path.GetRelativePath(baseFull, full)
            : full.TrimStart(System.IO.Path.DirectorySeparatorChar);
        var target =
            System.IO.Path.Combine(Path, relative)
            + (replacement > 0 ? "." + replacement.ToString(CultureInfo.InvariantCulture) : "");
        var facts =
            _store.Inspect(full, followLinks: true)
            ?? throw new KubePkiException(
                $"{full} disappeared before it could be backed up",
                KubePkiErrorKind.NotFound
            );
        _store.Write([
            new FileWrite(target, _store.ReadBytes(full), facts.Mode)
            {
                Owner = new FileOwner(facts.Uid, facts.Gid),
                DirectoryMode = FileModes.PrivateDirectory,
            },
        ]);
        return target;
    }

    public void Remove() => _store.DeleteDirectory(Path);

    /// <summary>Keeps the newest <paramref name="keep"/> backup dirs of this kind (their names sort by time) and
    /// removes the rest; returns the removed paths. Only real directories the running user owns are touched.</summary>
    public static IReadOnlyList<string> Prune(IFileStore store, ReplacementScope scope, string kind, int keep)
    {
        var backups = store
            .List(scope.StateDir)
            .Where(p => System.IO.Path.GetFileName(p).StartsWith(Prefix(kind), StringComparison.Ordinal))
            .Where(p =>
                store.Inspect(p) is { Kind: FileKind.Directory } facts && facts.Uid == DiskFileStore.CurrentUserId
            )
            .OrderBy(p => SortKey(System.IO.Path.GetFileName(p)[Prefix(kind).Length..]))
            .ToList();
        var pruned = backups.Take(Math.Max(0, backups.Count - keep)).ToList();
        foreach (var path in pruned)
        {
            store.DeleteDirectory(path);
        }
        return pruned;
    }

    // "2026-03-01-12-00-00-10" after "…-00-9": the stamp, then the number of the same-second suffix.
    private static (string Stamp, int N) SortKey(string suffix) =>
        suffix.Length > 19 && int.TryParse(suffix[20..], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? (suffix[..19], n)
            : (suffix, 0);
}
