using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using KubePki.Controller.Tests.Api;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>deploy/&lt;component&gt;/*.yaml as KubernetesClient model objects (YAML → JSON → the model type its kind
/// names).</summary>
public sealed class DeployManifests
{
    private DeployManifests(IReadOnlyList<object> objects) => Objects = objects;

    public IReadOnlyList<object> Objects { get; }

    public static DeployManifests Load(string component = "controller") =>
        new(Files(component).SelectMany(f => f.Objects).ToList());

    /// <summary>The objects of <paramref name="yaml"/>; with <paramref name="strict"/> a field the typed model does
    /// not know is an error (<see cref="JsonException"/>), as kube-apiserver's strict field validation makes
    /// it.</summary>
    public static IReadOnlyList<object> Parse(string yaml, bool strict) => LoadAll(yaml, strict).ToList();

    /// <summary>Every manifest file of <paramref name="component"/> parsed strictly: file name → the error, for each
    /// file that has a field the typed model does not know.</summary>
    public static IReadOnlyDictionary<string, string> UnknownFields(string component)
    {
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Locate(component), "*.yaml").Order(StringComparer.Ordinal))
        {
            try
            {
                _ = Parse(File.ReadAllText(file), strict: true);
            }
            catch (JsonException e)
            {
                problems[Path.GetFileName(file)] = e.Message;
            }
        }
        return problems;
    }

    /// <summary>Each manifest file with its objects, in the order kubectl apply -f takes a directory (by
    /// name).</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<object> Objects)> Files(string component = "controller") =>
        Directory
            .GetFiles(Locate(component), "*.yaml")
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), (IReadOnlyList<object>)LoadAll(File.ReadAllText(f)).ToList()))
            .ToList();

    public V1Deployment Deployment => Objects.OfType<V1Deployment>().Single();

    public V1Container Container => Deployment.Spec.Template.Spec.Containers.Single();

    public V1ServiceAccount ServiceAccount => Objects.OfType<V1ServiceAccount>().Single();

    public string ControllerUser =>
        $"system:serviceaccount:{ServiceAccount.Metadata.NamespaceProperty}:{ServiceAccount.Metadata.Name}";

    public string[] ControllerGroups =>
        ["system:serviceaccounts", $"system:serviceaccounts:{ServiceAccount.Metadata.NamespaceProperty}"];

    /// <summary>Every rule of every Role and ClusterRole, as ("Kind/[ns/]name", index, rule).</summary>
    public IEnumerable<(string Role, int Index, V1PolicyRule Rule)> Rules =>
        Objects
            .OfType<V1ClusterRole>()
            .SelectMany(r => r.Rules.Select((rule, i) => ($"ClusterRole/{r.Metadata.Name}", i, rule)))
            .Concat(
                Objects
                    .OfType<V1Role>()
                    .SelectMany(r =>
                        r.Rules.Select((rule, i) => ($"Role/{r.Metadata.NamespaceProperty}/{r.Metadata.Name}", i, rule))
                    )
            );

    /// <summary>The manifests with one rule taken out.</summary>
    public IReadOnlyList<object> Without(string role, int index) =>
        Objects
            .Select(o =>
                o switch
                {
                    V1ClusterRole r when $"ClusterRole/{r.Metadata.Name}" == role => new V1ClusterRole
                    {
                        Metadata = r.Metadata,
                        Rules = r.Rules.Where((_, i) => i != index).ToList(),
                    },
                    V1Role r when $"Role/{r.Metadata.NamespaceProperty}/{r.Metadata.Name}" == role => new V1Role
                    {
                        Metadata = r.Metadata,
                        Rules = r.Rules.Where((_, i) => i != index).ToList(),
                    },
                    _ => o,
                }
            )
            .ToList();

    private static readonly Dictionary<string, Type> Kinds = new()
    {
        ["v1/Namespace"] = typeof(V1Namespace),
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["apps/v1/DaemonSet"] = typeof(V1DaemonSet),
        ["rbac.authorization.k8s.io/v1/ClusterRole"] = typeof(V1ClusterRole),
        ["rbac.authorization.k8s.io/v1/ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["networking.k8s.io/v1/NetworkPolicy"] = typeof(V1NetworkPolicy),
    };

    private static IEnumerable<object> LoadAll(string yaml, bool strict = false)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            var json = ToJson(document.RootNode)!;
            var kind = $"{json["apiVersion"]}/{json["kind"]}";
            var type = Kinds.TryGetValue(kind, out var t)
                ? t
                : throw new InvalidDataException($"no model type for {kind}");
            yield return JsonSerializer.Deserialize(
                json.ToJsonString(),
                type,
                strict ? ApiJson.StrictOptions : ApiJson.Options
            )!;
        }
    }

    /// <summary>Plain true/false/null keep their JSON types; every other scalar is a string (numbers are read from
    /// strings by <see cref="ApiJson.Options"/>).</summary>
    private static JsonNode? ToJson(YamlNode node) =>
        node switch
        {
            YamlMappingNode map => new JsonObject(
                map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))
            ),
            YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(
                b.Value == "true"
            ),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" or "" } => null,
            YamlScalarNode scalar => JsonValue.Create(scalar.Value),
            _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType}"),
        };

    /// <summary>The repository file at <paramref name="relativePath"/> (e.g. scripts/image.sh).</summary>
    public static string RepositoryFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{relativePath} not found above the test binaries");
    }

    private static string Locate(string component)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", component);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"deploy/{component} not found above the test binaries");
    }
}
