using k8s;
using k8s.Models;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Api;

/// <summary>kubectl 1.32 against the test API server for what a node agent needs: PATCH of Nodes and Leases (merge
/// and strategic merge), core/v1 Events on a Node, and RBAC with resourceNames judged as kube-apiserver judges
/// it.</summary>
public class KubectlPatchAndEventsTests
{
    private static async Task<TestCluster> StartWithNodeAsync()
    {
        var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.AddNode("n1", ("InternalIP", "127.0.0.11"));
        return cluster;
    }

    private static void Ok(ExternalTool.Result result) => Assert.True(result.ExitCode == 0, result.All);

    // The watch events the store published for a node after resourceVersion `from`.
    private static List<string> ChangesSince(ApiStore store, long from)
    {
        var (backlog, _, stop) = store.Nodes.Watch(null, from, _ => true)!.Value;
        stop();
        return backlog.Select(e => e.Type).ToList();
    }

    [Fact]
    public async Task Kubectl_annotate_node_sets_and_removes_an_annotation_with_a_merge_patch()
    {
        await using var cluster = await StartWithNodeAsync();
        var store = cluster.Server.Store;
        var before = long.Parse(store.Nodes.Get(null, "n1")!.Metadata.ResourceVersion);

        var annotated = cluster.Kubectl("annotate", "node", "n1", "kubepki.io/state=Idle");
        Ok(annotated);
        Assert.Equal("node/n1 annotated", annotated.Out.Trim());
        var node = store.Nodes.Get(null, "n1")!;
        Assert.Equal("Idle", node.Metadata.Annotations["kubepki.io/state"]);
        Assert.True(long.Parse(node.Metadata.ResourceVersion) > before);
        Assert.Equal(["MODIFIED"], ChangesSince(store, before));
        Assert.Contains(
            cluster.Server.RequestLog,
            r => r.StartsWith("PATCH /api/v1/nodes/n1", StringComparison.Ordinal)
        );
        Assert.Equal("127.0.0.11", node.Status.Addresses[0].Address); // the rest of the object is kept

        Ok(cluster.Kubectl("annotate", "node", "n1", "kubepki.io/state-"));
        Assert.False(store.Nodes.Get(null, "n1")!.Metadata.Annotations?.ContainsKey("kubepki.io/state") ?? false);
    }

    [Fact]
    public async Task Kubectl_patch_node_merges_maps_and_a_null_deletes_a_key()
    {
        await using var cluster = await StartWithNodeAsync();
        var store = cluster.Server.Store;

        var merged = cluster.Kubectl(
            "patch",
            "node",
            "n1",
            "--type",
            "merge",
            "-p",
            """{"metadata":{"annotations":{"a":"1","b":"2"},"labels":{"node-role.kubernetes.io/control-plane":""}}}"""
        );
        Ok(merged);
        Assert.Equal("node/n1 patched", merged.Out.Trim());
        // kubectl patch's default type: strategic merge; for maps a null deletes, other keys stay.
        Ok(cluster.Kubectl("patch", "node", "n1", "-p", """{"metadata":{"annotations":{"a":null,"c":"3"}}}"""));
        var node = store.Nodes.Get(null, "n1")!;
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, node.Metadata.Annotations);
        Assert.Equal("", node.Metadata.Labels["node-role.kubernetes.io/control-plane"]);
        var get = cluster.Kubectl("get", "node", "n1", "-o", "jsonpath={.metadata.annotations.c}");
        Assert.Equal("3", get.Out);
    }

    [Fact]
    public async Task A_patch_is_refused_as_kube_apiserver_refuses_it()
    {
        await using var cluster = await StartWithNodeAsync();
        var store = cluster.Server.Store;
        var version = store.Nodes.Get(null, "n1")!.Metadata.ResourceVersion;

        // kubectl patch does not ask for strict field validation: kube-apiserver drops an unknown field (with a
        // warning), so the patch changes nothing and writes nothing.
        var unknown = cluster.Kubectl(
            "patch",
            "node",
            "n1",
            "--type",
            "merge",
            "-p",
            """{"metadata":{"colour":"red"}}"""
        );
        Ok(unknown);
        Assert.Equal(version, store.Nodes.Get(null, "n1")!.Metadata.ResourceVersion);
        Assert.Equal("node/n1 patched (no change)", unknown.Out.Trim());
        // A client that asks for fieldValidation=Strict gets the unknown field refused.
        var strict = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            cluster
                .Admin()
                .CoreV1.PatchNodeAsync(
                    new V1Patch("""{"metadata":{"colour":"red"}}""", V1Patch.PatchType.MergePatch),
                    "n1",
                    fieldValidation: "Strict"
                )
        );
        Assert.Contains("strict decoding error", strict.Response.Content);
        // A resourceVersion other than the stored one is a failed precondition.
        var stale = cluster.Kubectl(
            "patch",
            "node",
            "n1",
            "--type",
            "merge",
            "-p",
            "{\"metadata\":{\"resourceVersion\":\"" + (long.Parse(version) + 7) + "\",\"annotations\":{\"a\":\"1\"}}}"
        );
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("the object has been modified", stale.Error);
        // A JSON patch is a media type this server does not take: 415, never a silent success.
        var json = cluster.Kubectl("patch", "node", "n1", "--type", "json", "-p", """[{"op":"add","path":"/x"}]""");
        Assert.NotEqual(0, json.ExitCode);
        var missing = cluster.Kubectl("patch", "node", "n9", "--type", "merge", "-p", "{}");
        Assert.Contains("nodes \"n9\" not found", missing.Error);
        Assert.Equal(version, store.Nodes.Get(null, "n1")!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Kubectl_patches_a_lease_and_the_watch_sees_it()
    {
        await using var cluster = await StartWithNodeAsync();
        var store = cluster.Server.Store;
        var lease = store.Leases.Create(
            new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = "kubepki-agent", NamespaceProperty = "kube-system" },
                Spec = new V1LeaseSpec { LeaseDurationSeconds = 60 },
            },
            TimeProvider.System
        );
        var from = long.Parse(lease.Metadata.ResourceVersion);

        var patched = cluster.Kubectl(
            "-n",
            "kube-system",
            "patch",
            "lease",
            "kubepki-agent",
            "--type",
            "merge",
            "-p",
            """{"spec":{"holderIdentity":"n1"}}"""
        );
        Ok(patched);
        Assert.Equal("lease.coordination.k8s.io/kubepki-agent patched", patched.Out.Trim());
        var stored = store.Leases.Get("kube-system", "kubepki-agent")!;
        Assert.Equal("n1", stored.Spec.HolderIdentity);
        Assert.Equal(60, stored.Spec.LeaseDurationSeconds);
        var (backlog, _, stop) = store.Leases.Watch("kube-system", from, _ => true)!.Value;
        stop();
        Assert.Equal(["MODIFIED"], backlog.Select(e => e.Type));
    }

    private static string NodeEvent(string name, string ns, string reason, string message) =>
        $"""
            apiVersion: v1
            kind: Event
            metadata:
              name: {name}
              namespace: {ns}
            involvedObject:
              apiVersion: v1
              kind: Node
              name: n1
            reason: {reason}
            message: {message}
            type: Normal
            source:
              component: kubepki-agent
              host: n1
            firstTimestamp: "{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}"
            lastTimestamp: "{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}"
            count: 1
            """;

    [Fact]
    public async Task Kubectl_creates_and_lists_events_about_a_node()
    {
        await using var cluster = await StartWithNodeAsync();
        File.WriteAllText(cluster.Dir.Combine("e1.yaml"), NodeEvent("n1.1", "default", "RenewalStarted", "renewing"));
        File.WriteAllText(cluster.Dir.Combine("e2.yaml"), NodeEvent("n1.2", "default", "RenewalDone", "renewed 3"));
        // An Event about a cluster-scoped object belongs in "default": kube-apiserver refuses another namespace.
        File.WriteAllText(cluster.Dir.Combine("bad.yaml"), NodeEvent("n1.3", "kube-system", "Wrong", "wrong place"));

        Ok(cluster.Kubectl("create", "-f", "e1.yaml"));
        Ok(cluster.Kubectl("create", "-f", "e2.yaml"));
        var refused = cluster.Kubectl("create", "-f", "bad.yaml");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("involvedObject.namespace: Invalid value: \"\": does not match event.namespace", refused.Error);

        var listed = cluster.Kubectl("get", "events", "-n", "default");
        Ok(listed);
        var lines = listed.Out.Trim().Split('\n');
        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$", lines[0]);
        Assert.Matches(@"^\d+s\s+Normal\s+RenewalStarted\s+node/n1\s+renewing$", lines[1]);
        Assert.Matches(@"^\d+s\s+Normal\s+RenewalDone\s+node/n1\s+renewed 3$", lines[2]);
        var selected = cluster.Kubectl(
            "get",
            "events",
            "-A",
            "--field-selector",
            "involvedObject.kind=Node,involvedObject.name=n1,reason=RenewalDone",
            "-o",
            "jsonpath={.items[*].metadata.name}"
        );
        Assert.Equal("n1.2", selected.Out);

        var about = cluster.Server.Store.EventsAbout("Node", "n1");
        Assert.Equal(["RenewalStarted", "RenewalDone"], about.Select(e => e.Reason));
        Assert.Empty(cluster.Server.Store.EventsAbout("Node", "n2"));
    }

    [Fact]
    public async Task Rbac_resource_names_allow_get_patch_and_a_single_name_list_but_never_create()
    {
        await using var cluster = await StartWithNodeAsync();
        var role = new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "kube-system" },
            Rules =
            [
                new V1PolicyRule
                {
                    ApiGroups = ["coordination.k8s.io"],
                    Resources = ["leases"],
                    ResourceNames = ["kubepki-agent"],
                    Verbs = ["create", "get", "list", "patch"],
                },
            ],
        };
        var binding = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "kube-system" },
            RoleRef = new V1RoleRef
            {
                ApiGroup = "rbac.authorization.k8s.io",
                Kind = "Role",
                Name = "agent",
            },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "agent" }],
        };
        cluster.Server.Authorizer = new RbacAuthorizer([role, binding]);
        var config = cluster.KubeconfigFor("agent");
        ExternalTool.Result Kubectl(params string[] args) =>
            ExternalTool.Run("kubectl", ["--kubeconfig", config, "-n", "kube-system", .. args], cluster.Dir.Path);
        File.WriteAllText(
            cluster.Dir.Combine("lease.yaml"),
            "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: kubepki-agent\n"
        );

        // create has no name when it is authorized: a rule naming objects cannot allow it.
        var create = Kubectl("create", "-f", "lease.yaml");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("cannot create resource \"leases\" in API group \"coordination.k8s.io\"", create.Error);
        Ok(cluster.Kubectl("-n", "kube-system", "create", "-f", "lease.yaml"));

        Ok(Kubectl("get", "lease", "kubepki-agent"));
        Ok(Kubectl("patch", "lease", "kubepki-agent", "--type", "merge", "-p", """{"spec":{"holderIdentity":"n1"}}"""));
        // A list is authorized for a name only when its field selector requires exactly that name.
        Assert.NotEqual(0, Kubectl("get", "leases").ExitCode);
        Ok(Kubectl("get", "leases", "--field-selector", "metadata.name=kubepki-agent"));
        Assert.NotEqual(0, Kubectl("get", "leases", "--field-selector", "metadata.name=other").ExitCode);
        var other = Kubectl("patch", "lease", "other", "--type", "merge", "-p", "{}");
        Assert.Contains("leases.coordination.k8s.io \"other\" is forbidden", other.Error);
    }
}
