using k8s;
using k8s.Models;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>deploy/controller/*.yaml as loaded by KubernetesClient's YAML loader.</summary>
public sealed class DeployManifests
{
    private DeployManifests(IReadOnlyList<object> objects) => Objects = objects;

    public IReadOnlyList<object> Objects { get; }

    public static DeployManifests Load() => new(Files().SelectMany(f => f.Objects).ToList());

    /// <summary>Each manifest file with its objects, in the order kubectl apply -f takes a directory (by name).</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<object> Objects)> Files() =>
        Directory.GetFiles(Locate(), "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), (IReadOnlyList<object>)KubernetesYaml.LoadAllFromString(File.ReadAllText(f)))).ToList();

    public V1Deployment Deployment => Objects.OfType<V1Deployment>().Single();

    public V1Container Container => Deployment.Spec.Template.Spec.Containers.Single();

    public V1ServiceAccount ServiceAccount => Objects.OfType<V1ServiceAccount>().Single();

    public string ControllerUser => $"system:serviceaccount:{ServiceAccount.Metadata.NamespaceProperty}:{ServiceAccount.Metadata.Name}";

    public string[] ControllerGroups => ["system:serviceaccounts", $"system:serviceaccounts:{ServiceAccount.Metadata.NamespaceProperty}"];

    /// <summary>Every rule of every Role and ClusterRole, as ("Kind/[ns/]name", index, rule).</summary>
    public IEnumerable<(string Role, int Index, V1PolicyRule Rule)> Rules =>
        Objects.OfType<V1ClusterRole>().SelectMany(r => r.Rules.Select((rule, i) => ($"ClusterRole/{r.Metadata.Name}", i, rule)))
            .Concat(Objects.OfType<V1Role>().SelectMany(r => r.Rules.Select((rule, i) => ($"Role/{r.Metadata.NamespaceProperty}/{r.Metadata.Name}", i, rule))));

    /// <summary>The manifests with one rule taken out.</summary>
    public IReadOnlyList<object> Without(string role, int index) => Objects.Select(o => o switch
    {
        V1ClusterRole r when $"ClusterRole/{r.Metadata.Name}" == role => new V1ClusterRole { Metadata = r.Metadata, Rules = r.Rules.Where((_, i) => i != index).ToList() },
        V1Role r when $"Role/{r.Metadata.NamespaceProperty}/{r.Metadata.Name}" == role => new V1Role { Metadata = r.Metadata, Rules = r.Rules.Where((_, i) => i != index).ToList() },
        _ => o,
    }).ToList();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "controller");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("deploy/controller not found above the test binaries");
    }
}
