using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Crash safety for one item's swap. Two files cannot be renamed at once, so before a cert/key pair (or a
/// kubeconfig) is replaced, a journal in the cert dir records where the backup copies are; it is removed when the swap
/// is done. A journal found by the next renewal means a crash mid-swap: the backed-up files are put back, so no item
/// is ever left half-renewed (a new key beside an old cert).</summary>
public sealed class RenewalJournal
{
    public const string FileName = ".kubepki-renew.journal";

    private readonly string _path;

    private RenewalJournal(string path) => _path = path;

    public static string PathIn(string certDir) => Path.Combine(certDir, FileName);

    /// <summary>Records the (original, backup copy) pairs of the item about to be swapped.</summary>
    public static RenewalJournal Begin(string certDir, IReadOnlyList<(string Original, string Copy)> files)
    {
        var path = PathIn(certDir);
        var lines = string.Concat(files.Select(f => $"{Path.GetFullPath(f.Original)}\t{Path.GetFullPath(f.Copy)}\n"));
        DiskFileStore.Instance.Write([FileWrite.Text(path, lines, FileModes.Private)]);
        return new RenewalJournal(path);
    }

    public void Complete() => File.Delete(_path);

    /// <summary>Puts back the files of an interrupted swap, each with the mode its backup copy has. Returns the
    /// restored paths (empty when there was nothing to recover).</summary>
    public static IReadOnlyList<string> Recover(string certDir)
    {
        var path = PathIn(certDir);
        if (!File.Exists(path))
        {
            return [];
        }
        var restored = new List<string>();
        var writes = new List<FileWrite>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2)
            {
                throw new KubePkiException($"{path}: unreadable journal line \"{line}\"; restore the files from the backup it names and remove it");
            }
            if (!File.Exists(parts[1]))
            {
                throw new KubePkiException($"{path}: the backup copy {parts[1]} of {parts[0]} is missing; check {parts[0]} by hand, then remove the journal");
            }
            writes.Add(new FileWrite(parts[0], File.ReadAllBytes(parts[1]), File.GetUnixFileMode(parts[1])));
            restored.Add(parts[0]);
        }
        DiskFileStore.Instance.Write(writes);
        File.Delete(path);
        return restored;
    }
}
