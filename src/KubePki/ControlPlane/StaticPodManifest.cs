using System.Globalization;
using KubePki.Storage;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.ControlPlane;

/// <summary>The parts of a static pod manifest kubepki reads: the pod's name, the first container's command line and
/// its <c>httpGet</c> probes, which is how the kubelet, and so kubepki, judges the component's health.</summary>
internal sealed class StaticPodManifest
{
    private static readonly string[] ProbeKinds = ["startupProbe", "livenessProbe", "readinessProbe"];

    private StaticPodManifest(
        string path,
        string name,
        IReadOnlyList<string> commandLine,
        IReadOnlyList<HttpGetProbe> probes
    )
    {
        Path = path;
        Name = name;
        CommandLine = commandLine;
        Probes = probes;
    }

    public string Path { get; }

    public string Name { get; }

    /// <summary>The first container's command followed by its args.</summary>
    public IReadOnlyList<string> CommandLine { get; }

    public IReadOnlyList<HttpGetProbe> Probes { get; }

    /// <summary>The value of a <c>--flag=value</c> (or <c>--flag value</c>) argument, the last one winning as in Go's
    /// flag package.</summary>
    public string? Flag(string flag)
    {
        string? value = null;
        for (var i = 0; i < CommandLine.Count; i++)
        {
            if (CommandLine[i].StartsWith(flag + "=", StringComparison.Ordinal))
            {
                value = CommandLine[i][(flag.Length + 1)..];
            }
            else if (CommandLine[i] == flag && i + 1 < CommandLine.Count)
            {
                value = CommandLine[i + 1];
            }
        }
        return value;
    }

    /// <summary>Reads through the safe reader and the bounded YAML reader: a FIFO or a device where a manifest should
    /// be is refused at once, never waited on or read without end, and deep nesting is refused before it is
    /// parsed.</summary>
    public static StaticPodManifest Load(string path)
    {
        var disk = DiskFileStore.Instance;
        if (disk.Inspect(path, followLinks: true) is null)
        {
            throw new KubePkiException($"{path}: no such static pod manifest", KubePkiErrorKind.NotFound);
        }
        return Parse(disk.ReadText(path), path);
    }

    public static StaticPodManifest Parse(string text, string path)
    {
        var documents = BoundedYaml.Load(text, path);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubePkiException(
                $"{path}: not a Pod manifest (expected one YAML document with kind: Pod)",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (Scalar(root, "kind") != "Pod" || Scalar(root, "apiVersion") != "v1")
        {
            throw new KubePkiException(
                $"{path}: not a Pod manifest "
                    + $"(apiVersion: {Scalar(root, "apiVersion") ?? "<none>"}, kind: "
                    + $"{Scalar(root, "kind") ?? "<none>"}; "
                    + $"expected v1 Pod)",
                KubePkiErrorKind.InvalidFile
            );
        }
        var name = (Child(root, "metadata") as YamlMappingNode) is { } metadata ? Scalar(metadata, "name") : null;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubePkiException($"{path}: the Pod has no metadata.name", KubePkiErrorKind.InvalidFile);
        }
        var containers = (Child(root, "spec") as YamlMappingNode) is { } spec
            ? Child(spec, "containers") as YamlSequenceNode
            : null;
        if (containers is not { Children.Count: > 0 } || containers.Children[0] is not YamlMappingNode container)
        {
            throw new KubePkiException($"{path}: the Pod has no spec.containers", KubePkiErrorKind.InvalidFile);
        }
        var commandLine = Strings(container, "command").Concat(Strings(container, "args")).ToList();
        var probes = new List<HttpGetProbe>();
        foreach (var kind in ProbeKinds)
        {
            if (Child(container, kind) is YamlMappingNode probe && Child(probe, "httpGet") is YamlMappingNode httpGet)
            {
                probes.Add(ReadProbe(path, kind, httpGet, container));
            }
        }
        return new StaticPodManifest(path, name, commandLine, probes);
    }

    private static HttpGetProbe ReadProbe(string path, string kind, YamlMappingNode httpGet, YamlMappingNode container)
    {
        var scheme = Scalar(httpGet, "scheme") ?? "HTTP";
        if (scheme is not ("HTTP" or "HTTPS"))
        {
            throw new KubePkiException(
                $"{path}: {kind}.httpGet.scheme \"{scheme}\" is neither HTTP nor HTTPS",
                KubePkiErrorKind.InvalidFile
            );
        }
        var portText =
            Scalar(httpGet, "port")
            ?? throw new KubePkiException($"{path}: {kind}.httpGet has no port", KubePkiErrorKind.InvalidFile);
        var port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : NamedPort(path, kind, portText, container);
        if (port is < 1 or > 65535)
        {
            throw new KubePkiException(
                $"{path}: {kind}.httpGet.port {portText} is not a valid port",
                KubePkiErrorKind.InvalidFile
            );
        }
        var probePath = Scalar(httpGet, "path") ?? "/";
        // An empty host means the pod's IP; a static control-plane pod uses the host network, where loopback reaches
        // it.
        var host = Scalar(httpGet, "host") is { Length: > 0 } h ? h : "127.0.0.1";
        return new HttpGetProbe(kind, scheme, host, port, probePath.StartsWith('/') ? probePath : "/" + probePath);
    }

    private static int NamedPort(string path, string kind, string name, YamlMappingNode container)
    {
        var ports = Child(container, "ports") as YamlSequenceNode;
        var match = ports?.Children.OfType<YamlMappingNode>().FirstOrDefault(p => Scalar(p, "name") == name);
        return
            match is not null
            && int.TryParse(
                Scalar(match, "containerPort"),
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out var port
            )
            ? port
            : throw new KubePkiException(
                $"{path}: {kind}.httpGet.port \"{name}\" names no port of the container",
                KubePkiErrorKind.InvalidFile
            );
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    private static IEnumerable<string> Strings(YamlMappingNode map, string key) =>
        Child(map, key) is YamlSequenceNode list
            ? list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")
            : [];
}
