using k8s.Models;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>deploy/networkpolicy: the opt-in way to keep the metrics and health ports (which listen on every address
/// of the Pod) off the cluster network. One policy per workload, selecting exactly its Pods, letting in only the
/// metrics port and only from the monitoring namespace. The kubelet's probes come from the node, which NetworkPolicy
/// always allows.</summary>
public class NetworkPolicyTests
{
    private static readonly IReadOnlyList<V1NetworkPolicy> Policies = DeployManifests
        .Load("networkpolicy")
        .Objects.OfType<V1NetworkPolicy>()
        .ToList();

    public static TheoryData<string, string> Workloads() =>
        new()
        {
            { "controller", "Deployment/kubepki-controller" },
            { "exporter", "DaemonSet/kubepki-exporter-nodes" },
            { "exporter", "Deployment/kubepki-exporter-secrets" },
        };

    private static (string Namespace, V1PodTemplateSpec Template) Workload(string component, string name)
    {
        var objects = DeployManifests.Load(component).Objects;
        return objects
            .OfType<V1Deployment>()
            .Select(d => ($"Deployment/{d.Metadata.Name}", d.Metadata.NamespaceProperty, d.Spec.Template))
            .Concat(
                objects
                    .OfType<V1DaemonSet>()
                    .Select(d => ($"DaemonSet/{d.Metadata.Name}", d.Metadata.NamespaceProperty, d.Spec.Template))
            )
            .Where(w => w.Item1 == name)
            .Select(w => (w.NamespaceProperty, w.Template))
            .Single();
    }

    private static bool Selects(V1NetworkPolicy policy, V1PodTemplateSpec template) =>
        policy.Spec.PodSelector.MatchLabels.All(l =>
            template.Metadata.Labels.TryGetValue(l.Key, out var value) && value == l.Value
        );

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Exactly_one_policy_admits_only_the_monitoring_namespace_to_the_metrics_port(
        string component,
        string workload
    )
    {
        var (ns, template) = Workload(component, workload);
        var policy = Assert.Single(Policies, p => p.Metadata.NamespaceProperty == ns && Selects(p, template));

        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        var rule = Assert.Single(policy.Spec.Ingress);
        var port = Assert.Single(rule.Ports);
        Assert.Equal("TCP", port.Protocol);
        var metrics = Assert.Single(template.Spec.Containers.Single().Ports);
        Assert.Equal(metrics.Name, port.Port.Value);
        var from = Assert.Single(rule.FromProperty);
        Assert.Null(from.IpBlock);
        Assert.Equal(
            new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "monitoring" },
            from.NamespaceSelector.MatchLabels
        );
    }

    [Fact]
    public void Every_policy_selects_some_workload_so_none_is_a_typo()
    {
        var templates = Workloads().Select(w => Workload((string)w[0], (string)w[1]).Template).ToList();
        Assert.Equal(2, Policies.Count);
        Assert.All(Policies, p => Assert.Contains(templates, t => Selects(p, t)));
    }
}
