using System.Text;
using KubePki.Files;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.ControlPlane;

/// <summary>A static pod manifest read once, as bytes, then checked: the exact bytes that were checked are the ones
/// installed or compared, so nothing can change between the check and the install.</summary>
internal sealed record NewManifest(
    ControlPlaneComponent Component,
    byte[] Bytes,
    StaticPodManifest Parsed,
    YamlMappingNode Tree
)
{
    public string Path => Parsed.Path;

    /// <summary>The first container's image, kubeadm's record of the component's version.</summary>
    public string? Image =>
        Tree.Children.TryGetValue(new YamlScalarNode("spec"), out var spec)
        && spec is YamlMappingNode specMap
        && specMap.Children.TryGetValue(new YamlScalarNode("containers"), out var containers)
        && containers is YamlSequenceNode { Children.Count: > 0 } list
        && list.Children[0] is YamlMappingNode container
        && container.Children.TryGetValue(new YamlScalarNode("image"), out var image)
            ? (image as YamlScalarNode)?.Value
            : null;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Reads a manifest through the safe reader (a FIFO, a device or a link to one is refused, never waited on
    /// or read without end) and the bounded YAML reader (deep nesting and alias bombs are errors, not a crash), then
    /// checks it is a Pod kubepki can judge the health of.</summary>
    public static NewManifest Read(ControlPlaneComponent component, string path)
    {
        var bytes = SafeFileReader.Read(path);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new KubePkiException(
                $"{path}: not valid UTF-8 (byte {e.Index} of the invalid sequence)",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        var documents = BoundedYaml.Load(text, path);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubePkiException(
                $"{path}: not a Pod manifest (expected one YAML document with kind: Pod)",
                KubePkiErrorKind.InvalidFile
            );
        }
        var parsed = StaticPodRestarter.Checked(StaticPodManifest.Parse(text, path));
        return new NewManifest(component, bytes, parsed, root);
    }

    /// <summary>The manifests of <paramref name="directory"/> named after a control-plane component, in upgrade order,
    /// all read and checked before anything is changed. A directory other users may write to is warned about: whoever
    /// can write there chooses what runs on the control plane.</summary>
    public static IReadOnlyList<NewManifest> ReadAll(string directory, TextWriter log)
    {
        var facts = Posix.Stat(directory, follow: true);
        if (facts is null)
        {
            throw new KubePkiException($"--manifests-from {directory}: no such directory", KubePkiErrorKind.NotFound);
        }
        if (facts.Kind != FileKind.Directory)
        {
            throw new KubePkiException(
                $"--manifests-from {directory}: {facts.KindText}, not a directory",
                KubePkiErrorKind.InvalidFile
            );
        }
        if ((facts.Mode & UnixFileMode.OtherWrite) != 0)
        {
            log.WriteLine(
                $"[upgrade/staticpods] WARNING: --manifests-from {directory} is writable by other users "
                    + $"(mode {Convert.ToString((int)facts.Mode, 8).PadLeft(4, '0')}): anyone who can write there "
                    + $"chooses what runs on the control plane"
            );
        }
        var manifests = new List<NewManifest>();
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            var path = System.IO.Path.Combine(directory, component.ManifestFileName);
            if (Posix.Stat(path, follow: false) is null)
            {
                continue;
            }
            manifests.Add(Read(component, path));
        }
        if (manifests.Count == 0)
        {
            throw new KubePkiException(
                $"--manifests-from {directory}: contains none "
                    + $"of {string.Join(", ", ControlPlaneComponent.InUpgradeOrder.Select(c => c.ManifestFileName))}",
                KubePkiErrorKind.InvalidInput
            );
        }
        return manifests;
    }
}
