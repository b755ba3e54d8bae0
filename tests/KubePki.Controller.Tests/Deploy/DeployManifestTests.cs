using System.CommandLine;
using k8s;
using k8s.Models;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>The deploy/ manifests run the controller with exactly the rights it uses: the test API server authorizes
/// every request with their RBAC, the controller runs with the Deployment's own arguments, all CSRs get issued, every
/// rule verb is exercised, and taking out any one rule makes the API server refuse the controller something.</summary>
public class DeployManifestTests
{
    private static readonly DeployManifests Manifests = DeployManifests.Load();

    // What the cluster grants others: admins everything, kubelets their own CSRs (as the system:node role does).
    private static IEnumerable<object> ClusterBootstrapPolicy() =>
        [
            new V1ClusterRole
            {
                Metadata = new V1ObjectMeta { Name = "test:node-csrs" },
                Rules =
                [
                    new V1PolicyRule
                    {
                        ApiGroups = ["certificates.k8s.io"],
                        Resources = ["certificatesigningrequests"],
                        Verbs = ["create", "get", "list", "watch"],
                    },
                ],
            },
            new V1ClusterRoleBinding
            {
                Metadata = new V1ObjectMeta { Name = "test:node-csrs" },
                RoleRef = new V1RoleRef
                {
                    ApiGroup = "rbac.authorization.k8s.io",
                    Kind = "ClusterRole",
                    Name = "test:node-csrs",
                },
                Subjects = [new Rbacv1Subject { Kind = "Group", Name = "system:nodes" }],
            },
        ];

    public static TheoryData<string, int> EachRule()
    {
        var data = new TheoryData<string, int>();
        foreach (var (role, index, _) in Manifests.Rules)
        {
            data.Add(role, index);
        }
        return data;
    }

    [Fact]
    public void The_manifests_have_the_expected_shape_and_no_wildcards()
    {
        var kinds = Manifests.Objects.Select(o => o.GetType().Name).Order().ToList();
        Assert.Equal(
            [
                "V1ClusterRole",
                "V1ClusterRoleBinding",
                "V1Deployment",
                "V1Namespace",
                "V1Role",
                "V1Role",
                "V1RoleBinding",
                "V1RoleBinding",
                "V1ServiceAccount",
            ],
            kinds
        );
        var deployment = Manifests.Deployment;
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal(Manifests.ServiceAccount.Metadata.Name, deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal(Manifests.ServiceAccount.Metadata.NamespaceProperty, deployment.Metadata.NamespaceProperty);
        var container = Manifests.Container;
        Assert.Equal(
            ("/healthz", "metrics"),
            (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value)
        );
        Assert.Equal(
            ("/readyz", "metrics"),
            (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value)
        );
        Assert.Contains(
            $"--metrics-bind-address=:{container.Ports.Single(p => p.Name == "metrics").ContainerPort}",
            container.Args
        );
        Assert.Contains($"--leader-elect-resource-namespace={deployment.Metadata.NamespaceProperty}", container.Args);
        var mount = container.VolumeMounts.Single();
        Assert.True(mount.ReadOnlyProperty);
        Assert.NotNull(deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret);
        Assert.All(
            container.Args.Where(a => a.Contains("-file=", StringComparison.Ordinal)),
            a => Assert.StartsWith(mount.MountPath + "/", a.Split('=')[1])
        );

        foreach (var (role, index, rule) in Manifests.Rules)
        {
            var where = $"{role} rule {index}";
            Assert.True(
                !rule.Verbs.Contains("*") && !rule.Resources.Contains("*") && !rule.ApiGroups.Contains("*"),
                where
            );
            Assert.Null(rule.NonResourceURLs);
            if (rule.Resources.Contains("signers"))
            {
                Assert.Equal([SignerNames.KubeletServing], rule.ResourceNames);
            }
        }
        Assert.All(
            Manifests.Objects.OfType<V1ClusterRoleBinding>().SelectMany(b => b.Subjects),
            s => Assert.Equal("ServiceAccount", s.Kind)
        );
    }

    [Fact]
    public void Applied_file_by_file_in_name_order_each_object_finds_what_it_needs_already_there()
    {
        // kubectl apply -f deploy/controller/ takes the files in name order and stops at the first object it cannot
        // create.
        var created = new HashSet<string> { "Namespace/kube-system" };
        foreach (var (file, objects) in DeployManifests.Files())
        {
            foreach (var o in objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>())
            {
                if (o.Metadata.NamespaceProperty is { } ns)
                {
                    Assert.True(
                        created.Contains($"Namespace/{ns}"),
                        $"{file}: {o.Kind} {o.Metadata.Name} comes before its namespace {ns}"
                    );
                }
                if (o is V1Deployment deployment)
                {
                    var pod = deployment.Spec.Template.Spec;
                    var account = $"ServiceAccount/{deployment.Metadata.NamespaceProperty}/{pod.ServiceAccountName}";
                    Assert.True(created.Contains(account), $"{file}: the Deployment comes before its {account}");
                }
                created.Add(
                    o.Metadata.NamespaceProperty is { } n
                        ? $"{o.Kind}/{n}/{o.Metadata.Name}"
                        : $"{o.Kind}/{o.Metadata.Name}"
                );
            }
        }
        Assert.Contains("Namespace/kubepki-system", created);
    }

    [Fact]
    public async Task With_these_rights_every_csr_is_decided_and_issued_and_every_rule_verb_is_needed()
    {
        var authorizer = new RbacAuthorizer([.. Manifests.Objects, .. ClusterBootstrapPolicy()]);
        await using var run = await DeployedController.StartAsync(Manifests, authorizer);
        var kubelets = Enumerable
            .Range(0, 3)
            .Select(i => new SimulatedKubelet(run.Cluster, $"rbac-{i}", [$"10.4.0.{i + 1}"]))
            .ToList();
        kubelets.ForEach(k => k.RegisterNode());
        run.Cluster.Server.Store.AddNode("rbac-liar", ("InternalIP", "10.4.0.99"));
        var names = new List<string>();
        foreach (var kubelet in kubelets)
        {
            names.Add(await kubelet.SubmitAsync());
        }
        var hostile = await new SimulatedKubelet(run.Cluster, "rbac-liar", ["10.4.0.1"]).SubmitAsync();
        var admin = run.Cluster.Admin();

        foreach (var name in names)
        {
            await Eventually.GetAsync(
                async () => (await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status?.Certificate,
                $"{name} to be issued"
            );
        }
        await Eventually.GetAsync(
            async () =>
                (
                    await admin.CertificatesV1.ReadCertificateSigningRequestAsync(hostile)
                ).Status?.Conditions?.FirstOrDefault(c => c.Type == "Denied"),
            "the hostile CSR to be denied"
        );
        var expected = Manifests
            .Rules.SelectMany(r =>
                r.Rule.Verbs.SelectMany(verb =>
                    (r.Rule.ResourceNames ?? [null!]).Select(name =>
                        RbacAuthorizer.GrantKey(r.Role, r.Index, verb, name)
                    )
                )
            )
            .ToHashSet();
        try
        {
            await Eventually.TrueAsync(
                () => expected.IsSubsetOf(authorizer.Used.Keys),
                "every rule verb to be used",
                TimeSpan.FromSeconds(30)
            );
        }
        catch (TimeoutException)
        {
            // Fall through: the assertion below names the unused rule verbs.
        }

        Assert.Empty(authorizer.Denied.Where(d => d.User.Name == Manifests.ControllerUser).Select(d => d.Attributes));
        Assert.Equal(
            expected.Order(),
            authorizer
                .Used.Keys.Where(k =>
                    k.StartsWith("ClusterRole/kubepki", StringComparison.Ordinal)
                    || k.StartsWith("Role/", StringComparison.Ordinal)
                )
                .Order()
        );
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync($"{run.ProbeBase}/healthz"));
        Assert.Equal("ok", await http.GetStringAsync($"{run.ProbeBase}/readyz"));
    }

    [Theory]
    [MemberData(nameof(EachRule))]
    public async Task Without_any_one_rule_the_api_server_refuses_the_controller_something(string role, int index)
    {
        var authorizer = new RbacAuthorizer([.. Manifests.Without(role, index), .. ClusterBootstrapPolicy()]);
        await using var run = await DeployedController.StartAsync(Manifests, authorizer);
        var kubelet = new SimulatedKubelet(run.Cluster, "rbac-0", ["10.4.0.1"]);
        kubelet.RegisterNode();
        await kubelet.SubmitAsync();

        await Eventually.TrueAsync(
            () => authorizer.Denied.Any(d => d.User.Name == Manifests.ControllerUser),
            $"a refusal without {role} rule {index}"
        );

        var removed = Manifests.Rules.Single(r => r.Role == role && r.Index == index).Rule;
        Assert.Contains(
            authorizer.Denied,
            d => d.User.Name == Manifests.ControllerUser && RbacAuthorizer.RuleAllows(removed, d.Attributes)
        );
    }

    /// <summary><c>kubepki controller</c> with the Deployment's arguments (CA paths mapped to the test CA, the probe
    /// port
    /// to a free loopback port) and a client cert for the Deployment's ServiceAccount, against an RBAC-enforcing
    /// server.
    /// A one-time 409 on /status makes the controller re-read the CSR, as it must after any conflict.</summary>
    private sealed class DeployedController : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task<int>? _run;

        private DeployedController(TestCluster cluster, string probeBase)
        {
            Cluster = cluster;
            ProbeBase = probeBase;
        }

        public TestCluster Cluster { get; }

        public string ProbeBase { get; }

        public static async Task<DeployedController> StartAsync(DeployManifests manifests, IApiAuthorizer authorizer)
        {
            var cluster = await TestCluster.StartAsync();
            cluster.Server.Authorizer = authorizer;
            cluster.Server.Faults.FailNext(
                (m, p) => m == "PUT" && p.EndsWith("/status", StringComparison.Ordinal),
                409,
                1
            );
            var mount = manifests.Container.VolumeMounts.Single().MountPath;
            var caDir = cluster.Dir.Combine("ca-secret");
            Directory.CreateDirectory(caDir);
            File.Copy(cluster.CaCertFile, Path.Combine(caDir, "tls.crt"));
            File.Copy(cluster.CaKeyFile, Path.Combine(caDir, "tls.key"));
            var port = FreePort.On("127.0.0.1");
            var args = manifests
                .Container.Args.Select(a => a.Replace(mount, caDir, StringComparison.Ordinal))
                .Select(a =>
                    a.StartsWith("--metrics-bind-address=", StringComparison.Ordinal)
                        ? $"--metrics-bind-address=127.0.0.1:{port}"
                        : a
                )
                .Append($"--kubeconfig={cluster.KubeconfigFor(manifests.ControllerUser, manifests.ControllerGroups)}")
                .ToArray();
            var controller = new DeployedController(cluster, $"http://127.0.0.1:{port}");
            var output = new StringWriter();
            var env = new CliEnvironment(
                TextWriter.Synchronized(output),
                TextWriter.Synchronized(output),
                TimeProvider.System,
                FixtureKeys.Shared
            );
            controller._run = Task.Run(() =>
                KubePkiCli
                    .Create(env)
                    .Parse(args)
                    .InvokeAsync(
                        new InvocationConfiguration { Output = env.Out, Error = env.Error },
                        controller._stop.Token
                    )
            );
            return controller;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_run is not null)
            {
                await _run;
            }
            await Cluster.DisposeAsync();
        }
    }
}
