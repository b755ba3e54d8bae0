namespace KubePki.Tests.Architecture;

public class NamespaceDependencyTests
{
    /// <summary>The library's layers, bottom first: a namespace may use only namespaces of lower layers.</summary>
    private static readonly string[][] CoreLayers =
    [
        ["KubePki", "KubePki.Model"],
        ["KubePki.GoText"],
        ["KubePki.Files"],
        ["KubePki.Yaml"],
        ["KubePki.Configuration"],
        ["KubePki.Catalog"],
        ["KubePki.Building"],
        ["KubePki.Crypto"],
        ["KubePki.Storage"],
        ["KubePki.Validation", "KubePki.Kubeconfig", "KubePki.Kubelet"],
        ["KubePki.Lifecycle", "KubePki.Cluster"],
        ["KubePki.Monitoring"],
        ["KubePki.Rotation", "KubePki.ControlPlane"],
    ];

    [Theory]
    [InlineData("src/KubePki")]
    [InlineData("src/KubePki.InCluster")]
    [InlineData("src/KubePki.Controller")]
    [InlineData("src/KubePki.Cli")]
    public void Namespaces_of_a_project_have_no_cycle(string project)
    {
        var graph = NamespaceGraph.FromProject(project);
        Assert.NotEmpty(graph.Namespaces);

        var cycle = graph.FindCycle();

        Assert.True(cycle is null, cycle is null ? "" : Describe(graph, cycle));
    }

    [Fact]
    public void Library_namespaces_use_only_lower_layers()
    {
        var layerOf = CoreLayers
            .SelectMany((names, layer) => names.Select(n => (n, layer)))
            .ToDictionary(p => p.n, p => p.layer, StringComparer.Ordinal);
        var graph = NamespaceGraph.FromProject("src/KubePki");

        var unknown = graph.Namespaces.Where(n => !layerOf.ContainsKey(n)).ToList();
        var upward = graph
            .Edges.Where(e =>
                layerOf.ContainsKey(e.From) && layerOf.ContainsKey(e.To) && layerOf[e.To] >= layerOf[e.From]
            )
            .Select(e => $"{e.From} -> {e.To} ({e.Evidence})")
            .ToList();

        Assert.True(unknown.Count == 0, "namespaces missing from the layer list: " + string.Join(", ", unknown));
        Assert.True(upward.Count == 0, "dependencies against the flow: " + string.Join("; ", upward));
    }

    [Fact]
    public void A_cycle_through_a_partially_qualified_name_in_an_interpolation_hole_is_found()
    {
        // The shape that once hid a cycle: Approval names a Runtime type only as Runtime.X inside an interpolation
        // hole, and Runtime holds an Approval type.
        const string approval = """
            namespace Fake.Approval;

            public sealed record ApproverOptions(string Name)
            {
                public string Source => $"ConfigMap {Runtime.ConfigMapNames.Name}";
            }
            """;
        const string runtime = """
            namespace Fake.Runtime;

            public static class ConfigMapNames
            {
                public const string Name = "kubeadm-config";
            }
            """;
        const string options = """
            using Fake.Approval;

            namespace Fake.Runtime;

            public sealed record ControllerOptions(ApproverOptions Approver);
            """;
        (string, string)[] acyclic = [("Approval.cs", approval), ("Runtime.cs", runtime)];

        var graph = NamespaceGraph.FromSources([.. acyclic, ("Options.cs", options)], "Fake");

        Assert.Equal(["Fake.Approval", "Fake.Runtime", "Fake.Approval"], graph.FindCycle());
        Assert.Equal("Approval.cs:5 ConfigMapNames", graph.Evidence("Fake.Approval", "Fake.Runtime"));
        Assert.Null(NamespaceGraph.FromSources(acyclic, "Fake").FindCycle());
    }

    [Fact]
    public void A_cycle_is_found_and_named()
    {
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "a.cs");
        graph.Add("B", "C", "b.cs");
        graph.Add("C", "A", "c.cs");
        graph.Add("C", "D", "c.cs");

        Assert.Equal(["A", "B", "C", "A"], graph.FindCycle());
    }

    [Fact]
    public void An_acyclic_graph_has_no_cycle()
    {
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "a.cs");
        graph.Add("A", "C", "a.cs");
        graph.Add("B", "C", "b.cs");

        Assert.Null(graph.FindCycle());
    }

    private static string Describe(NamespaceGraph graph, IReadOnlyList<string> cycle) =>
        "namespace cycle: "
        + string.Join(" -> ", cycle)
        + "; edges: "
        + string.Join("; ", cycle.Zip(cycle.Skip(1), (from, to) => $"{from} -> {to} ({graph.Evidence(from, to)})"));
}
