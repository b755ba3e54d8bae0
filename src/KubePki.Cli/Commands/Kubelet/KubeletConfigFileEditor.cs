using System.Globalization;
using KubePki.Kubelet;
using KubePki.Storage;

namespace KubePki.Cli.Commands.Kubelet;

/// <summary>The file half of enable-serving-bootstrap: back up, then replace the file atomically with its mode kept.
/// A symlinked config (as some distributions ship) is edited at its target, so the link survives.</summary>
public sealed class KubeletConfigFileEditor(TextWriter output, TimeProvider time)
{
    public void Enable(string path)
    {
        var target = File.Exists(path) ? new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
        if (!File.Exists(target))
        {
            throw new KubePkiException($"--kubelet-config: {path} does not exist");
        }
        var text = File.ReadAllText(target);
        var edit = ServingBootstrapEditor.Enable(text, path);
        if (!edit.Changed)
        {
            output.WriteLine($"[kubelet] {path} already has serverTLSBootstrap: true and rotateCertificates: true; nothing changed");
            return;
        }
        var mode = File.GetUnixFileMode(target);
        var backup = $"{target}.kubepki-backup-{time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        DiskFileStore.Instance.Write([new FileWrite(backup, File.ReadAllBytes(target), mode)]);
        output.WriteLine($"[kubelet] backed up {path} to {backup}");
        DiskFileStore.Instance.Write([FileWrite.Text(target, edit.Text, mode)]);
        foreach (var change in edit.Changes)
        {
            output.WriteLine($"[kubelet] {path}: {change}");
        }
        output.WriteLine("[kubelet] the kubelet reads its config only at start; restart it to request a serving certificate:");
        output.WriteLine("\tsystemctl restart kubelet");
        output.WriteLine("[kubelet] its CSR (signer kubernetes.io/kubelet-serving) then waits for approval: see 'kubepki csr check' or run 'kubepki controller --approve-kubelet-serving'");
    }
}
