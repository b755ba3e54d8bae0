using KubePki.GoText;
using KubePki.Storage;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.ControlPlane;

/// <summary>The two KubeletConfiguration fields that matter for static pods: where the kubelet reads manifests
/// (<c>staticPodPath</c>) and how often it looks (<c>fileCheckFrequency</c>, default 20s).</summary>
internal sealed record KubeletSettings(string? StaticPodPath, TimeSpan FileCheckFrequency)
{
    public const string DefaultPath = "/var/lib/kubelet/config.yaml";

    public static readonly TimeSpan DefaultFileCheckFrequency = TimeSpan.FromSeconds(20);

    public static KubeletSettings Default { get; } = new(null, DefaultFileCheckFrequency);

    /// <summary>Reads the kubelet config through the safe reader (a FIFO or a device is refused, never waited on or
    /// read without end) and the bounded YAML reader. A missing file at the default path means defaults (a node whose
    /// kubelet is configured by flags); a file given explicitly must exist.</summary>
    public static KubeletSettings Load(string path, bool explicitlyGiven)
    {
        var disk = DiskFileStore.Instance;
        if (!explicitlyGiven && disk.Inspect(path, followLinks: true) is null)
        {
            return Default;
        }
        string text;
        try
        {
            text = disk.ReadText(path);
        }
        catch (KubePkiException e)
        {
            throw new KubePkiException($"--kubelet-config {e.Message}", e);
        }
        return Parse(text, path);
    }

    public static KubeletSettings Parse(string text, string path)
    {
        var documents = BoundedYaml.Load(text, path);
        if (documents.Count == 0)
        {
            return Default;
        }
        if (
            documents[0].RootNode is not YamlMappingNode root
            || (Scalar(root, "kind") is { } kind && kind != "KubeletConfiguration")
        )
        {
            throw new KubePkiException($"{path}: not a KubeletConfiguration", KubePkiErrorKind.InvalidFile);
        }
        var frequency = DefaultFileCheckFrequency;
        if (Scalar(root, "fileCheckFrequency") is { } text2)
        {
            if (!GoDuration.TryParse(text2, out frequency) || frequency <= TimeSpan.Zero)
            {
                throw new KubePkiException(
                    $"{path}: fileCheckFrequency \"{text2}\" is not a positive duration",
                    KubePkiErrorKind.InvalidFile
                );
            }
        }
        return new KubeletSettings(Scalar(root, "staticPodPath") is { Length: > 0 } p ? p : null, frequency);
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;
}
