using System.Text;
using KubePki.Files;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>Crash safety for a manifest taken out of the manifests dir. Before the rename, a journal under
/// <c>&lt;kubeconfig-dir&gt;/tmp/</c> records where the manifest goes; it is removed once a manifest is back in place.
/// Whoever takes the control-plane lock next calls <see cref="Recover"/>: a manifest still held outside is put back,
/// so a run killed at any instant never leaves a component without its manifest.
/// The journal is trusted only as far as it can be: it is read without following links, must be a regular file the
/// running user owns, and may only name a control-plane manifest in the manifests dir and its held copy in this tool's
/// holding area or an upgrade backup dir under <c>tmp/</c>, a regular file the running user owns. Anything else is
/// refused, and no error repeats what the file holds.</summary>
internal sealed class ManifestJournal
{
    public const string FileName = "kubepki-control-plane.journal";

    /// <summary>Where <c>control-plane apply</c> keeps the manifests it replaced (kubeadm's name).</summary>
    public const string UpgradeBackupPrefix = "kubeadm-backup-manifests-";

    private readonly IFileStore _store;

    private readonly string _path;

    private ManifestJournal(IFileStore store, string path)
    {
        _store = store;
        _path = path;
    }

    public static string PathIn(string tmpDir) => Path.Combine(tmpDir, FileName);

    /// <summary>Durably records that <paramref name="manifest"/> is about to be moved to <paramref name="held"/>.
    /// Whatever was at the journal's path (the lock is held and recovery has run, so nothing of ours) is removed first,
    /// so the journal is always a new file of the running user.</summary>
    public static ManifestJournal Begin(IFileStore store, string tmpDir, string manifest, string held)
    {
        var path = PathIn(tmpDir);
        store.Delete(path);
        store.Write([
            FileWrite.Text(path, $"{Path.GetFullPath(manifest)}\t{Path.GetFullPath(held)}\n", FileModes.Private),
        ]);
        return new ManifestJournal(store, path);
    }

    public void Complete() => _store.Delete(_path);

    /// <summary>What an interrupted run left: (manifest, held copy) pairs whose manifest is missing. Empty when
    /// none.</summary>
    public static IReadOnlyList<(string Manifest, string Held)> Pending(IFileStore store, ControlPlaneSettings settings)
    {
        var path = PathIn(settings.TmpDir);
        if (store.Inspect(path) is null)
        {
            return [];
        }
        var pending = new List<(string, string)>();
        var text = Encoding.UTF8.GetString(store.ReadTrusted(path));
        foreach (var line in text.Split('\n').Where(l => l.Length > 0))
        {
            var (manifest, held) = Entry(store, settings, line);
            if (store.Inspect(manifest) is not null)
            {
                continue;
            }
            if (store.Inspect(held) is null)
            {
                throw new KubePkiException(
                    $"{path}: neither {manifest} nor its held copy {held} exists; "
                        + $"restore the manifest from a backup, then remove the journal",
                    KubePkiErrorKind.NotFound
                );
            }
            RequireOurs(store, path, manifest, held);
            pending.Add((manifest, held));
        }
        return pending;
    }

    /// <summary>Puts back every manifest an interrupted run left outside, then removes the journal. Returns the
    /// manifests put back. A manifest already in place (the crash came after it was put back) stays as it is.</summary>
    public static IReadOnlyList<string> Recover(IFileStore store, ControlPlaneSettings settings)
    {
        var restored = new List<string>();
        foreach (var (manifest, held) in Pending(store, settings))
        {
            File.Move(held, manifest);
            DirectorySync.Flush(settings.ManifestsDir);
            restored.Add(manifest);
        }
        store.Delete(PathIn(settings.TmpDir));
        return restored;
    }

    /// <summary>A line names a control-plane manifest in the manifests dir and a file of the same name in the holding
    /// area or an upgrade backup dir; any other line is not ours, and acting on it could move a file
    /// anywhere.</summary>
    private static (string Manifest, string Held) Entry(IFileStore store, ControlPlaneSettings settings, string line)
    {
        var parts = line.Split('\t');
        var component =
            parts.Length == 2
                ? ControlPlaneComponent.InUpgradeOrder.FirstOrDefault(c =>
                    parts[0] == Path.GetFullPath(settings.ManifestPath(c))
                )
                : null;
        var heldDir = component is null ? null : Path.GetDirectoryName(parts[1]);
        if (
            component is null
            || heldDir is null
            || parts[1] != Path.Combine(heldDir, component.ManifestFileName)
            || !HoldingDirs(store, settings).Contains(heldDir)
        )
        {
            // The line itself is not repeated: the file may be a link's target or another user's text.
            throw new KubePkiException(
                $"{PathIn(settings.TmpDir)} does not name a manifest in {settings.ManifestsDir} and its held copy "
                    + $"under {settings.TmpDir}; refusing to act on it (put back by hand any manifest missing from "
                    + $"{settings.ManifestsDir}, then remove the journal)",
                KubePkiErrorKind.InvalidFile
            );
        }
        return (parts[0], parts[1]);
    }

    /// <summary>The holding area and the upgrade backup dirs, as full paths.</summary>
    private static IEnumerable<string> HoldingDirs(IFileStore store, ControlPlaneSettings settings) =>
        store
            .List(settings.TmpDir)
            .Where(d => Path.GetFileName(d).StartsWith(UpgradeBackupPrefix, StringComparison.Ordinal))
            .Append(settings.HoldingDir)
            .Select(Path.GetFullPath);

    /// <summary>The held copy goes back where the kubelet runs it as root: it must be a regular file (not a link) the
    /// running user owns, in a directory only that user may write.</summary>
    private static void RequireOurs(IFileStore store, string journal, string manifest, string held)
    {
        var me = DiskFileStore.CurrentUserId;
        var file = store.Inspect(held)!;
        var directory = store.Inspect(Path.GetDirectoryName(held)!);
        var problem =
            file.Kind != FileKind.Regular ? $"is {file.KindText}, not a regular file"
            : file.Uid != me ? $"is owned by uid {file.Uid}, not by uid {me} running kubepki"
            : directory is not { Kind: FileKind.Directory, IsGroupOrWorldWritable: false } || directory.Uid != me
                ? "is in a directory another user owns or may write"
            : null;
        if (problem is not null)
        {
            throw new KubePkiException(
                $"{journal}: the held copy {held} {problem}; refusing to put it in place of {manifest} (check it, put "
                    + "the manifest back by hand, then remove the journal)",
                KubePkiErrorKind.InvalidFile
            );
        }
    }
}
