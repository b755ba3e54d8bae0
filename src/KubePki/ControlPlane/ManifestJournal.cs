using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>Crash safety for a manifest taken out of the manifests dir. Before the rename, a journal under
/// <c>&lt;kubeconfig-dir&gt;/tmp/</c> records where the manifest goes; it is removed once a manifest is back in place.
/// Whoever takes the control-plane lock next calls <see cref="Recover"/>: a manifest still held outside is put back,
/// so a run killed at any instant never leaves a component without its manifest.</summary>
internal sealed class ManifestJournal
{
    public const string FileName = "kubepki-control-plane.journal";

    private readonly string _path;

    private ManifestJournal(string path) => _path = path;

    public static string PathIn(string tmpDir) => System.IO.Path.Combine(tmpDir, FileName);

    /// <summary>Durably records that <paramref name="manifest"/> is about to be moved to <paramref
    /// name="held"/>.</summary>
    public static ManifestJournal Begin(string tmpDir, string manifest, string held)
    {
        var path = PathIn(tmpDir);
        DiskFileStore.Instance.Write([
            FileWrite.Text(
                path,
                $"{System.IO.Path.GetFullPath(manifest)}\t{System.IO.Path.GetFullPath(held)}\n",
                FileModes.Private
            ),
        ]);
        DirectorySync.Flush(tmpDir);
        return new ManifestJournal(path);
    }

    public void Complete()
    {
        File.Delete(_path);
        DirectorySync.Flush(System.IO.Path.GetDirectoryName(_path)!);
    }

    /// <summary>What an interrupted run left: (manifest, held copy) pairs whose manifest is missing. Empty when
    /// none.</summary>
    public static IReadOnlyList<(string Manifest, string Held)> Pending(string tmpDir)
    {
        var path = PathIn(tmpDir);
        if (!File.Exists(path))
        {
            return [];
        }
        var pending = new List<(string, string)>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2 || !Confined(parts[0], parts[1], tmpDir))
            {
                throw new KubePkiException(
                    $"{path}: unreadable journal line \"{line}\"; put the manifest it names "
                        + $"back by hand and remove the journal"
                );
            }
            if (!File.Exists(parts[0]))
            {
                if (!File.Exists(parts[1]))
                {
                    throw new KubePkiException(
                        $"{path}: neither {parts[0]} nor its held copy {parts[1]} exists; "
                            + $"restore the manifest from a backup, then remove the journal"
                    );
                }
                pending.Add((parts[0], parts[1]));
            }
        }
        return pending;
    }

    /// <summary>A journal only ever names a control-plane manifest and a file of the same name under the tmp dir; any
    /// other line is not ours, and acting on it could rename arbitrary files.</summary>
    private static bool Confined(string manifest, string held, string tmpDir) =>
        Path.IsPathFullyQualified(manifest)
        && Path.IsPathFullyQualified(held)
        && ControlPlaneComponent.InUpgradeOrder.Any(c => c.ManifestFileName == Path.GetFileName(manifest))
        && Path.GetFileName(held) == Path.GetFileName(manifest)
        && Path.GetFullPath(held)
            .StartsWith(Path.GetFullPath(tmpDir) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        && !held.Contains("/../", StringComparison.Ordinal)
        && !manifest.Contains("/../", StringComparison.Ordinal);

    /// <summary>Puts back every manifest an interrupted run left outside, then removes the journal. Returns the
    /// manifests
    /// put back. A manifest already in place (the crash came after it was put back) stays as it is.</summary>
    public static IReadOnlyList<string> Recover(string tmpDir)
    {
        var restored = new List<string>();
        foreach (var (manifest, held) in Pending(tmpDir))
        {
            File.Move(held, manifest);
            DirectorySync.Flush(System.IO.Path.GetDirectoryName(manifest)!);
            restored.Add(manifest);
        }
        var path = PathIn(tmpDir);
        if (File.Exists(path))
        {
            File.Delete(path);
            DirectorySync.Flush(tmpDir);
        }
        return restored;
    }
}
