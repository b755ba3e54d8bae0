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
        // Edited at the link's target, so a symlinked config stays a link.
        var target = store.ResolvePath(path);
        var facts = target is null ? null : store.Inspect(target);
        if (target is null || facts is null)
        {
            throw new KubePkiException($"--kubelet-config: {path} does not exist", KubePkiErrorKind.NotFound);
        }
        var original = store.ReadBytes(target);
        var edit = ServingBootstrapEditor.Enable(store.ReadText(target), path);
        if (!edit.Changed)
        {
            return new Result(path, null, edit);
        }
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var backup = $"{target}.kubepki-backup-{stamp}";
        // The backup is a new file: it gets the config's owner and group explicitly (the replaced file keeps its own).
        var owner = new FileOwner(facts.Uid, facts.Gid);
        store.Write([new FileWrite(backup, original, facts.Mode) { Owner = owner }]);
        store.Write([FileWrite.Text(target, edit.Text, facts.Mode)]);
        return new Result(path, backup, edit);
    }
}
