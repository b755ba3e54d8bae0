using System.Globalization;
using KubePki.Storage;

namespace KubePki.Kubelet;

/// <summary>The file half of enable-serving-bootstrap: back up, then replace the file atomically with its mode kept.
/// A symlinked config (as some distributions ship) is edited at its target, so the link survives.</summary>
internal sealed class KubeletConfigFileEditor(IFileStore store, TimeProvider time)
{
    /// <summary>What was done to the file at <paramref name="Path"/>: <paramref name="Backup"/> is null when nothing
    /// had to change.</summary>
    public sealed record Result(string Path, string? Backup, KubeletConfigEdit Edit);

    public Result Enable(string path)
    {
        var target = File.Exists(path)
            ? new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path
            : path;
        if (!File.Exists(target))
        {
            throw new KubePkiException($"--kubelet-config: {path} does not exist");
        }
        var text = File.ReadAllText(target);
        var edit = ServingBootstrapEditor.Enable(text, path);
        if (!edit.Changed)
        {
            return new Result(path, null, edit);
        }
        var mode = File.GetUnixFileMode(target);
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var backup = $"{target}.kubepki-backup-{stamp}";
        store.Write([new FileWrite(backup, File.ReadAllBytes(target), mode)]);
        store.Write([FileWrite.Text(target, edit.Text, mode)]);
        return new Result(path, backup, edit);
    }
}
