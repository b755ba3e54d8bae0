using k8s.Models;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>deploy/agent: a DaemonSet on control-plane nodes only, running the image scripts/image.sh builds as root
/// with nothing more than it needs, and RBAC with no wildcard and no Secret. The files are checked strictly against
/// the typed API model (every field known), and kubectl, as the agent's ServiceAccount, gets from the test API server
/// exactly what the RBAC grants. (The proof that every rule is needed runs the agent: it lives with the agent's
/// tests, over <see cref="Manifests"/>.Rules.)</summary>
public class AgentDeployTests
{
    public static readonly DeployManifests Manifests = DeployManifests.Load("agent");

    private static V1DaemonSet DaemonSet => Manifests.Objects.OfType<V1DaemonSet>().Single();

    public static string AgentUser =>
        $"system:serviceaccount:{Manifests.ServiceAccount.Metadata.NamespaceProperty}:"
        + Manifests.ServiceAccount.Metadata.Name;

    public static string[] AgentGroups => ["system:serviceaccounts", "system:serviceaccounts:kube-system"];

    [Fact]
    public void Every_field_of_every_file_is_known_to_the_api_model()
    {
        Assert.Empty(DeployManifests.UnknownFields("agent"));
        // The check has teeth: a misspelt field is refused.
        var typo = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\nautomountServiceAcountToken: false\n";
        Assert.Throws<System.Text.Json.JsonException>(() => DeployManifests.Parse(typo, strict: true));
    }

    [Fact]
    public void The_objects_live_in_kube_system_and_the_rbac_names_no_wildcard_and_no_secret()
    {
        var kinds = Manifests.Objects.Select(o => o.GetType().Name).Order().ToList();
        Assert.Equal(
            ["V1ClusterRole", "V1ClusterRoleBinding", "V1DaemonSet", "V1Role", "V1RoleBinding", "V1ServiceAccount"],
            kinds
        );
        Assert.All(
            Manifests.Objects.OfType<k8s.IKubernetesObject<V1ObjectMeta>>(),
            o =>
                Assert.Equal(
                    o is V1ClusterRole or V1ClusterRoleBinding ? null : "kube-system",
                    o.Metadata.NamespaceProperty
                )
        );
        Assert.All(
            Manifests.Objects.OfType<k8s.IKubernetesObject<V1ObjectMeta>>(),
            o => Assert.Equal("kubepki-agent", o.Metadata.Name)
        );
        foreach (var (role, _, rule) in Manifests.Rules)
        {
            var values = (rule.ApiGroups ?? [])
                .Concat(rule.Resources ?? [])
                .Concat(rule.Verbs ?? [])
                .Concat(rule.ResourceNames ?? []);
            Assert.DoesNotContain(values, v => v.Contains('*'));
            Assert.DoesNotContain("secrets", rule.Resources ?? []);
            Assert.Null(rule.NonResourceURLs);
            Assert.NotNull(role);
        }
        string Render(V1PolicyRule r) =>
            $"{string.Join(",", r.ApiGroups)}|{string.Join(",", r.Resources)}|{string.Join(",", r.ResourceNames ?? [])}"
            + $"|{string.Join(",", r.Verbs)}";
        Assert.Equal(
            [
                "ClusterRole/kubepki-agent: |nodes||get,list,watch,patch",
                "ClusterRole/kubepki-agent: |events||create",
                "Role/kube-system/kubepki-agent: coordination.k8s.io|leases|kubepki-agent|get,update",
                "Role/kube-system/kubepki-agent: coordination.k8s.io|leases||create",
                "Role/kube-system/kubepki-agent: |configmaps|kubeadm-config|get",
            ],
            Manifests.Rules.Select(r => $"{r.Role}: {Render(r.Rule)}")
        );
        var subjects = Manifests
            .Objects.OfType<V1ClusterRoleBinding>()
            .SelectMany(b => b.Subjects)
            .Concat(Manifests.Objects.OfType<V1RoleBinding>().SelectMany(b => b.Subjects))
            .ToList();
        Assert.Equal(2, subjects.Count);
        Assert.All(
            subjects,
            s => Assert.Equal(("ServiceAccount", "kubepki-agent", "kube-system"), (s.Kind, s.Name, s.NamespaceProperty))
        );
    }

    [Fact]
    public void The_daemonset_runs_the_agent_on_every_control_plane_node_with_no_more_than_it_needs()
    {
        var spec = DaemonSet.Spec;
        Assert.Equal("RollingUpdate", spec.UpdateStrategy.Type);
        Assert.Equal("1", spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
        var pod = spec.Template.Spec;
        Assert.Equal(spec.Selector.MatchLabels, spec.Template.Metadata.Labels);
        Assert.Equal("kubepki-agent", pod.ServiceAccountName);
        Assert.NotEqual(false, pod.AutomountServiceAccountToken); // it talks to the API
        Assert.Equal(
            new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "" },
            pod.NodeSelector
        );
        var toleration = Assert.Single(pod.Tolerations);
        Assert.Equal(
            ("node-role.kubernetes.io/control-plane", "Exists", "NoSchedule"),
            (toleration.Key, toleration.OperatorProperty, toleration.Effect)
        );
        Assert.True(pod.HostNetwork);
        Assert.NotEqual(true, pod.HostPID);
        Assert.NotEqual(true, pod.HostIPC);
        Assert.Equal("system-node-critical", pod.PriorityClassName);
        Assert.Equal((0L, 0L), (pod.SecurityContext.RunAsUser, pod.SecurityContext.RunAsGroup));

        var container = Assert.Single(pod.Containers);
        // The image scripts/image.sh builds: kubepki, tag "latest".
        Assert.Contains("\"$layout:latest\"", File.ReadAllText(DeployManifests.RepositoryFile("scripts/image.sh")));
        Assert.Equal("kubepki:latest", container.Image);
        Assert.Equal(["kubepki"], container.Command);
        Assert.Equal(["agent", "--node-name=$(NODE_NAME)", "--metrics-bind-address=127.0.0.1:9794"], container.Args);
        var env = Assert.Single(container.Env);
        Assert.Equal(("NODE_NAME", "spec.nodeName"), (env.Name, env.ValueFrom.FieldRef.FieldPath));
        Assert.Equal("127.0.0.1", container.LivenessProbe.HttpGet.Host);

        var security = container.SecurityContext;
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.NotEqual(true, security.Privileged);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Null(security.Capabilities.Add); // root owns every file it replaces: no capability is needed
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.NotNull(container.Resources.Requests["memory"]);
        Assert.NotNull(container.Resources.Limits["memory"]);

        var mounts = container.VolumeMounts.ToDictionary(m => m.MountPath);
        Assert.Equal(["/etc/kubernetes", "/var/lib/kubelet/config.yaml"], mounts.Keys.Order());
        Assert.NotEqual(true, mounts["/etc/kubernetes"].ReadOnlyProperty);
        Assert.True(mounts["/var/lib/kubelet/config.yaml"].ReadOnlyProperty);
        var volumes = pod.Volumes.ToDictionary(v => v.Name);
        Assert.Equal(2, volumes.Count);
        Assert.Equal(
            ("/etc/kubernetes", "Directory"),
            (
                volumes[mounts["/etc/kubernetes"].Name].HostPath.Path,
                volumes[mounts["/etc/kubernetes"].Name].HostPath.Type
            )
        );
        var kubelet = volumes[mounts["/var/lib/kubelet/config.yaml"].Name].HostPath;
        Assert.Equal(("/var/lib/kubelet/config.yaml", "File"), (kubelet.Path, kubelet.Type));
    }

    [Fact]
    public async Task Kubectl_as_the_agent_gets_what_the_rbac_grants_and_nothing_else()
    {
        await using var cluster = await TestCluster.StartAsync();
        var store = cluster.Server.Store;
        ControlPlaneObjects.AddNode(store, "n1", "127.0.0.11");
        ControlPlaneObjects.AddKubeadmConfig(store);
        store.AddConfigMap("kube-system", "other", new Dictionary<string, string>());
        store.AddSecret("kube-system", "some-secret", "Opaque", new Dictionary<string, byte[]>());
        cluster.Server.Authorizer = new RbacAuthorizer(Manifests.Objects);
        var config = cluster.KubeconfigFor(AgentUser, AgentGroups);
        ExternalTool.Result Kubectl(params string[] args) =>
            ExternalTool.Run("kubectl", ["--kubeconfig", config, .. args], cluster.Dir.Path);
        void Allowed(params string[] args)
        {
            var result = Kubectl(args);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.All}");
        }
        void Forbidden(params string[] args)
        {
            var result = Kubectl(args);
            Assert.True(
                result.ExitCode != 0 && result.Error.Contains("forbidden"),
                $"{string.Join(' ', args)}: {result.All}"
            );
        }
        File.WriteAllText(
            cluster.Dir.Combine("lease.yaml"),
            """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata:
              name: kubepki-agent
              namespace: kube-system
            """
        );
        File.WriteAllText(
            cluster.Dir.Combine("event.yaml"),
            """
            apiVersion: v1
            kind: Event
            metadata:
              name: n1.start
              namespace: default
            involvedObject:
              apiVersion: v1
              kind: Node
              name: n1
            reason: RenewalStarted
            message: renewing
            type: Normal
            """
        );

        Allowed("get", "nodes");
        Allowed("annotate", "node", "n1", "kubepki.io/state=Idle");
        Allowed("create", "-f", "event.yaml");
        Allowed("create", "-f", "lease.yaml");
        Allowed("-n", "kube-system", "get", "lease", "kubepki-agent");
        Allowed("-n", "kube-system", "get", "configmap", "kubeadm-config");

        Forbidden("-n", "kube-system", "get", "configmap", "other");
        Forbidden("-n", "kube-system", "get", "configmaps");
        Forbidden("-n", "kube-system", "get", "secret", "some-secret");
        Forbidden("get", "secrets", "-A");
        Forbidden("-n", "kube-system", "delete", "lease", "kubepki-agent");
        Forbidden("delete", "node", "n1");
        Forbidden("get", "events", "-n", "default");
        Assert.Equal("Idle", store.Nodes.Get(null, "n1")!.Metadata.Annotations["kubepki.io/state"]);
        Assert.Single(store.EventsAbout("Node", "n1"));
    }
}
