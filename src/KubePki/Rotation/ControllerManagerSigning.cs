using System.Text;
using System.Text.RegularExpressions;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>kube-controller-manager's CSR signer refuses to start unless <c>--cluster-signing-cert-file</c> is exactly
/// one certificate matching <c>--cluster-signing-key-file</c>, and kubeadm points both at <c>ca.crt</c>/<c>ca.key</c>,
/// which a rotation makes a bundle. So, for the rotation's duration, the manifest points them at the kept
/// single-certificate files of the CA that signs in the phase (the old one until <c>issue</c>, the new one from then
/// on), while <c>--client-ca-file</c> and <c>--root-ca-file</c> keep trusting the bundle. kubeadm's manifest is kept
/// beside the CAs and put back byte for byte at <c>finish</c> and <c>abort</c>.</summary>
internal sealed partial class ControllerManagerSigning(IFileStore store, RotationFiles files, string manifestsDir)
{
    public const string CertFlag = "--cluster-signing-cert-file";
    public const string KeyFlag = "--cluster-signing-key-file";

    public string ManifestPath => Path.Combine(manifestsDir, "kube-controller-manager.yaml");

    /// <summary>kubeadm's manifest, as it was before <c>start</c>.</summary>
    public string SavedPath => Path.Combine(files.Directory, "kube-controller-manager.yaml");

    /// <summary>The manifest kubeadm wrote, kept first if it is not yet; null when there is no manifest, or when its
    /// signing flags do not name <paramref name="caCertPath"/>/<paramref name="caKeyPath"/> (a signer of its own, left
    /// alone).</summary>
    public byte[]? KeepOriginal(string caCertPath, string caKeyPath)
    {
        if (store.Exists(SavedPath))
        {
            return store.ReadBytes(SavedPath);
        }
        if (!store.Exists(ManifestPath))
        {
            return null;
        }
        var current = store.ReadBytes(ManifestPath);
        var text = Encoding.UTF8.GetString(current);
        if (!Names(text, CertFlag, caCertPath) || !Names(text, KeyFlag, caKeyPath))
        {
            return null;
        }
        store.Write([new FileWrite(SavedPath, current, FileModes.Private)]);
        return current;
    }

    /// <summary>The manifest with the two signing flags set to <paramref name="certPath"/> and
    /// <paramref name="keyPath"/>, everything else as kubeadm wrote it.</summary>
    public static byte[] PointedAt(byte[] original, string certPath, string keyPath)
    {
        var text = Encoding.UTF8.GetString(original);
        text = Set(text, CertFlag, certPath);
        text = Set(text, KeyFlag, keyPath);
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The write that makes the installed manifest <paramref name="content"/>; none when it already
    /// is.</summary>
    public IReadOnlyList<FileWrite> Install(byte[] content) =>
        store.Exists(ManifestPath) && store.ReadBytes(ManifestPath).AsSpan().SequenceEqual(content)
            ? []
            : [new FileWrite(ManifestPath, content, FileModes.Private)];

    /// <summary>The saved kubeadm manifest, or null when none was kept (no rotation pointed the flags).</summary>
    public byte[]? Saved() => store.Exists(SavedPath) ? store.ReadBytes(SavedPath) : null;

    private static bool Names(string manifest, string flag, string path) =>
        FlagLine()
            .Matches(manifest)
            .Any(m =>
                m.Groups["flag"].Value == flag && Path.GetFullPath(m.Groups["value"].Value) == Path.GetFullPath(path)
            );

    private static string Set(string manifest, string flag, string path) =>
        FlagLine()
            .Replace(
                manifest,
                m =>
                    m.Groups["flag"].Value == flag
                        ? m.Groups["prefix"].Value + flag + "=" + path + m.Groups["end"].Value
                        : m.Value
            );

    [GeneratedRegex(
        @"^(?<prefix>[ \t]*-[ \t]+)(?<flag>--[a-z-]+)=(?<value>[^\s""']+)(?<end>\r?)$",
        RegexOptions.Multiline
    )]
    private static partial Regex FlagLine();
}
