using KubePki.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubePki.ControlPlane;

/// <summary>The two KubeletConfiguration fields that matter for static pods: where the kubelet reads manifests
/// (<c>staticPodPath</c>) and how often it looks (<c>fileCheckFrequency</c>, default 20s).</summary>
internal sealed record KubeletSettings(string? StaticPodPath, TimeSpan FileCheckFrequency)
{
    public const string DefaultPath = "/var/lib/kubelet/config.yaml";

    public static readonly TimeSpan DefaultFileCheckFrequency = TimeSpan.FromSeconds(20);

    public static KubeletSettings Default { get; } = new(null, DefaultFileCheckFrequency);

    /// <summary>Reads the kubelet config. A missing file at the default path means defaults (a node whose kubelet is
    /// configured by flags); a file given explicitly must exist.</summary>
    public static KubeletSettings Load(string path, bool explicitlyGiven)
    {
        if (!File.Exists(path) && !explicitlyGiven)
        {
            return Default;
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubePkiException($"--kubelet-config {path}: cannot read: {e.Message}", e);
        }
        return Parse(text, path);
    }

    public static KubeletSettings Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new KubePkiException($"{path}: not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0)
        {
            return Default;
        }
        if (
            stream.Documents[0].RootNode is not YamlMappingNode root
            || (Scalar(root, "kind") is { } kind && kind != "KubeletConfiguration")
        )
        {
            throw new KubePkiException($"{path}: not a KubeletConfiguration");
        }
        var frequency = DefaultFileCheckFrequency;
        if (Scalar(root, "fileCheckFrequency") is { } text2)
        {
            if (!GoDuration.TryParse(text2, out frequency) || frequency <= TimeSpan.Zero)
            {
                throw new KubePkiException($"{path}: fileCheckFrequency \"{text2}\" is not a positive duration");
            }
        }
        return new KubeletSettings(Scalar(root, "staticPodPath") is { Length: > 0 } p ? p : null, frequency);
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;
}
