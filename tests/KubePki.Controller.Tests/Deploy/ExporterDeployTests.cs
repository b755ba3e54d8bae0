using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Deploy;

/// <summary>deploy/exporter: the node DaemonSet only reads host paths, and the Secrets Deployment runs with exactly
/// the rights it uses. The test API server authorizes every request with the manifests' RBAC while the exporter,
/// run with the Deployment's own arguments, lists and watches Secrets; taking out any verb makes it refuse.</summary>
public class ExporterDeployTests
{
    private static readonly DeployManifests Manifests = DeployManifests.Load("exporter");

    // The opt-in rights for a namespace label filter, applied on top of deploy/exporter/.
    private static readonly DeployManifests NamespaceLabels = DeployManifests.Load("exporter/namespace-labels");

    private static V1Deployment SecretsDeployment => Manifests.Deployment;

    private static string Namespace => Manifests.ServiceAccount.Metadata.NamespaceProperty;

    private static string ExporterUser => $"system:serviceaccount:{Namespace}:{Manifests.ServiceAccount.Metadata.Name}";

    public static TheoryData<string, int, string> EachRuleVerb()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (role, index, rule) in Manifests.Rules)
        {
            foreach (var verb in rule.Verbs)
            {
                data.Add(role, index, verb);
            }
        }
        return data;
    }

    [Fact]
    public void The_daemonset_reads_host_paths_read_only_on_control_plane_nodes_without_an_api_token()
    {
        var kinds = Manifests.Objects.Select(o => o.GetType().Name).Order().ToList();
        Assert.Equal(
            ["V1ClusterRole", "V1ClusterRoleBinding", "V1DaemonSet", "V1Deployment", "V1Namespace", "V1ServiceAccount"],
            kinds
        );
        var daemonSet = Manifests.Objects.OfType<V1DaemonSet>().Single();
        var pod = daemonSet.Spec.Template.Spec;
        var container = pod.Containers.Single();
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Equal("", pod.NodeSelector["node-role.kubernetes.io/control-plane"]);
        Assert.All(pod.Volumes, v => Assert.NotNull(v.HostPath));
        Assert.All(container.VolumeMounts, m => Assert.True(m.ReadOnlyProperty, m.Name));
        // Mounted where the host has them, so filepath labels name host files.
        Assert.All(
            container.VolumeMounts,
            m => Assert.Equal(pod.Volumes.Single(v => v.Name == m.Name).HostPath.Path, m.MountPath)
        );
        var mounts = container.VolumeMounts.Select(m => m.MountPath + "/").ToList();
        foreach (var flag in new[] { "--cert-dir=", "--kubeconfig-dir=", "--kubelet-dir=" })
        {
            var value = container.Args.Single(a => a.StartsWith(flag, StringComparison.Ordinal))[flag.Length..] + "/";
            Assert.Contains(mounts, m => value.StartsWith(m, StringComparison.Ordinal));
        }
        Assert.Contains("--include-kubelet", container.Args);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Contains($"--listen=:{container.Ports.Single(p => p.Name == "metrics").ContainerPort}", container.Args);

        var secrets = SecretsDeployment.Spec.Template.Spec;
        Assert.Equal(Manifests.ServiceAccount.Metadata.Name, secrets.ServiceAccountName);
        Assert.Contains("--secrets", secrets.Containers.Single().Args);
        Assert.Equal(1, SecretsDeployment.Spec.Replicas);
        Assert.True(secrets.SecurityContext.RunAsNonRoot);
        foreach (var (role, index, rule) in Manifests.Rules)
        {
            var wildcard = rule.Verbs.Contains("*") || rule.Resources.Contains("*") || rule.ApiGroups.Contains("*");
            Assert.False(wildcard, $"{role} rule {index}");
            Assert.All(rule.Verbs, v => Assert.Contains(v, new[] { "list", "watch" }));
        }
    }

    [Fact]
    public void The_hostpaths_daemonset_keeps_the_charts_args_and_mounts_and_kubepki_parses_them()
    {
        var daemonSet = DeployManifests.Load("exporter/hostpaths").Objects.OfType<V1DaemonSet>().Single();
        var pod = daemonSet.Spec.Template.Spec;
        var container = pod.Containers.Single();
        Assert.Equal(["kubepki", "exporter"], container.Command);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Contains("--trim-path-components=3", container.Args);
        var watched = container
            .Args.Where(a => a.StartsWith("--watch-", StringComparison.Ordinal))
            .Select(a => a[(a.IndexOf('=') + 1)..])
            .ToList();
        Assert.Equal(14, watched.Count);
        foreach (var path in watched)
        {
            // The chart's layout: /mnt/watch/<kind>-<sha1 of the host path><host path>, the host file's directory
            // mounted read-only at /mnt/watch/<kind>-<sha1><its directory>; trimming 3 elements gives the host path.
            var elements = path.Split('/');
            var hostPath = "/" + string.Join('/', elements[4..]);
            var sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(hostPath)));
            Assert.EndsWith("-" + sha, elements[3], StringComparison.Ordinal);
            var mount = container.VolumeMounts.Single(m => m.MountPath + "/" + Path.GetFileName(path) == path);
            Assert.True(mount.ReadOnlyProperty);
            Assert.Equal(Path.GetDirectoryName(hostPath), pod.Volumes.Single(v => v.Name == mount.Name).HostPath.Path);
            Assert.Equal(hostPath, KubePki.Monitoring.GoPath.TrimComponents(path, 3));
        }
        var parsed = KubePkiCli
            .Create(new CliEnvironment(TextWriter.Null, TextWriter.Null, TimeProvider.System, FixtureKeys.Shared))
            .Parse(["exporter", .. container.Args]);
        Assert.Empty(parsed.Errors);
    }

    [Fact]
    public async Task With_these_rights_every_watched_secret_is_served_and_followed_and_every_verb_is_used()
    {
        var authorizer = new RbacAuthorizer(Manifests.Objects);
        await using var run = await DeployedExporter.StartAsync(authorizer);
        var store = run.Cluster.Server.Store;
        store.AddSecret(
            "web",
            "site-tls",
            "kubernetes.io/tls",
            new Dictionary<string, byte[]> { ["tls.crt"] = Pem("site", 90), ["tls.key"] = [1] }
        );
        store.AddSecret(
            "ops",
            "trust",
            "Opaque",
            new Dictionary<string, byte[]>
            {
                ["bundle.pem"] = [.. Pem("root-a", 900), .. Pem("root-b", 900)],
                ["x.txt"] = Pem("no", 1),
            }
        );
        store.AddSecret(
            "ops",
            "token",
            "kubernetes.io/service-account-token",
            new Dictionary<string, byte[]> { ["ca.crt"] = Pem("ignored", 1) }
        );

        var text = await run.ScrapeUntilAsync(t => CommonNames(t).Count == 3);
        Assert.Equal(["root-a", "root-b", "site"], CommonNames(text).Keys.Order());
        Assert.Contains("secret_key=\"bundle.pem\",secret_name=\"trust\",secret_namespace=\"ops\"", text);

        // A renewed Secret (update through the API: the watch delivers it) changes the value; a deleted one goes.
        var updated = store.Secrets.Get("web", "site-tls")!;
        updated.Data["tls.crt"] = Pem("site", 400);
        store.Secrets.Update("web", "site-tls", updated, (_, sent) => sent);
        var before = CommonNames(text)["site"];
        text = await run.ScrapeUntilAsync(t =>
            CommonNames(t).GetValueOrDefault("site") is var v && v != before && v != 0
        );
        var moved = CommonNames(text)["site"] - before;
        Assert.InRange(moved, TimeSpan.FromDays(309).TotalSeconds, TimeSpan.FromDays(311).TotalSeconds);
        store.Secrets.Delete("ops", "trust");
        await run.ScrapeUntilAsync(t => CommonNames(t).Count == 1);

        AssertNothingRefusedAndEveryGrantUsed(authorizer, Manifests);
    }

    [Theory]
    [MemberData(nameof(EachRuleVerb))]
    public async Task Without_any_one_verb_the_api_server_refuses_the_exporter(string role, int index, string verb)
    {
        V1PolicyRule Without(V1PolicyRule rule) =>
            new()
            {
                ApiGroups = rule.ApiGroups,
                Resources = rule.Resources,
                Verbs = rule.Verbs.Where(v => v != verb).ToList(),
            };
        var objects = Manifests
            .Objects.Select(o =>
                o is V1ClusterRole r && $"ClusterRole/{r.Metadata.Name}" == role
                    ? new V1ClusterRole
                    {
                        Metadata = r.Metadata,
                        Rules = r.Rules.Select((rule, i) => i != index ? rule : Without(rule)).ToList(),
                    }
                    : o
            )
            .ToList();
        var authorizer = new RbacAuthorizer(objects);
        await using var run = await DeployedExporter.StartAsync(authorizer);

        await Eventually.TrueAsync(
            () => authorizer.Denied.Any(d => d.User.Name == ExporterUser && d.Attributes.Verb == verb),
            $"a refused {verb}"
        );
    }

    [Fact]
    public async Task With_the_namespace_labels_addon_a_namespace_label_filter_follows_the_labels_and_uses_both_verbs()
    {
        Assert.Empty(DeployManifests.UnknownFields("exporter/namespace-labels"));
        var authorizer = new RbacAuthorizer([.. Manifests.Objects, .. NamespaceLabels.Objects]);
        await using var run = await DeployedExporter.StartAsync(authorizer, "--include-namespace-label=team=web");
        var store = run.Cluster.Server.Store;
        store.AddNamespace("web", new Dictionary<string, string> { ["team"] = "web" });
        store.AddNamespace("ops");
        store.AddSecret("web", "site-tls", "kubernetes.io/tls", TlsData("site"));
        store.AddSecret("ops", "ops-tls", "kubernetes.io/tls", TlsData("ops"));

        var text = await run.ScrapeUntilAsync(t => CommonNames(t).ContainsKey("site"));
        Assert.Equal(["site"], CommonNames(text).Keys);
        // Labelling a namespace afterwards brings its Secrets in: the Namespaces watch is followed.
        var ops = store.Namespaces.Get(null, "ops")!;
        store.Namespaces.Update(
            null,
            "ops",
            ops,
            (_, sent) =>
            {
                sent.Metadata.Labels = new Dictionary<string, string> { ["team"] = "web" };
                return sent;
            }
        );
        text = await run.ScrapeUntilAsync(t => CommonNames(t).Count == 2);
        Assert.Equal(["ops", "site"], CommonNames(text).Keys.Order());

        AssertNothingRefusedAndEveryGrantUsed(authorizer, NamespaceLabels);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("watch")]
    public async Task A_namespace_label_filter_without_list_or_watch_on_namespaces_is_refused_that_verb(string verb)
    {
        var addon = NamespaceLabels.Objects.Select(o =>
            o is V1ClusterRole role
                ? new V1ClusterRole
                {
                    Metadata = role.Metadata,
                    Rules = role
                        .Rules.Select(r => new V1PolicyRule
                        {
                            ApiGroups = r.ApiGroups,
                            Resources = r.Resources,
                            Verbs = r.Verbs.Where(v => v != verb).ToList(),
                        })
                        .ToList(),
                }
                : o
        );
        var authorizer = new RbacAuthorizer([.. Manifests.Objects, .. addon]);
        await using var run = await DeployedExporter.StartAsync(authorizer, "--exclude-namespace-label=quiet");
        run.Cluster.Server.Store.AddNamespace("web");

        await Eventually.TrueAsync(
            () =>
                authorizer.Denied.Any(d =>
                    d.User.Name == ExporterUser && d.Attributes.Verb == verb && d.Attributes.Resource == "namespaces"
                ),
            $"a refused {verb} of namespaces"
        );
    }

    /// <summary>The exporter was refused nothing, and every verb of every rule of <paramref name="manifests"/> granted
    /// at least one of its requests.</summary>
    private static void AssertNothingRefusedAndEveryGrantUsed(RbacAuthorizer authorizer, DeployManifests manifests)
    {
        Assert.Empty(authorizer.Denied.Where(d => d.User.Name == ExporterUser).Select(d => d.Attributes));
        var roles = manifests.Rules.Select(r => r.Role).ToHashSet(StringComparer.Ordinal);
        var granted = manifests
            .Rules.SelectMany(r => r.Rule.Verbs.Select(verb => RbacAuthorizer.GrantKey(r.Role, r.Index, verb, null)))
            .Order();
        var used = authorizer.Used.Keys.Where(k =>
            roles.Any(role => k.StartsWith(role + "/", StringComparison.Ordinal))
        );
        Assert.Equal(granted, used.Order());
    }

    private static Dictionary<string, byte[]> TlsData(string commonName) =>
        new() { ["tls.crt"] = Pem(commonName, 90), ["tls.key"] = [1] };

    private static byte[] Pem(string commonName, int days)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(days));
        return Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>subject_CN → x509_cert_not_after.</summary>
    private static Dictionary<string, double> CommonNames(string text) =>
        text.Split('\n')
            .Where(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal))
            .ToDictionary(
                l => System.Text.RegularExpressions.Regex.Match(l, "subject_CN=\"([^\"]*)\"").Groups[1].Value,
                l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)
            );

    /// <summary><c>kubepki exporter</c> with the Deployment's arguments (listen address on a free loopback port) and a
    /// client cert for the Deployment's ServiceAccount, against an RBAC-enforcing test API server.</summary>
    private sealed class DeployedExporter : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _http = new();
        private Task<int>? _run;

        private DeployedExporter(TestCluster cluster, string metrics)
        {
            Cluster = cluster;
            Metrics = metrics;
        }

        public TestCluster Cluster { get; }

        public string Metrics { get; }

        public static async Task<DeployedExporter> StartAsync(IApiAuthorizer authorizer, params string[] extra)
        {
            var cluster = await TestCluster.StartAsync();
            cluster.Server.Authorizer = authorizer;
            var port = FreePort.On("127.0.0.1");
            var groups = new[] { "system:serviceaccounts", $"system:serviceaccounts:{Namespace}" };
            var args = SecretsDeployment
                .Spec.Template.Spec.Containers.Single()
                .Args.Select(a =>
                    a.StartsWith("--listen=", StringComparison.Ordinal) ? $"--listen=127.0.0.1:{port}" : a
                )
                .Append($"--kubeconfig={cluster.KubeconfigFor(ExporterUser, groups)}")
                .Concat(extra)
                .ToArray();
            var exporter = new DeployedExporter(cluster, $"http://127.0.0.1:{port}/metrics");
            var output = new StringWriter();
            var writer = TextWriter.Synchronized(output);
            var env = new CliEnvironment(writer, writer, TimeProvider.System, FixtureKeys.Shared);
            var invocation = new InvocationConfiguration { Output = env.Out, Error = env.Error };
            exporter._run = Task.Run(() =>
                KubePkiCli.Create(env).Parse(args).InvokeAsync(invocation, exporter._stop.Token)
            );
            return exporter;
        }

        public Task<string> ScrapeUntilAsync(Func<string, bool> done) =>
            Eventually.GetAsync(
                async () =>
                {
                    try
                    {
                        var text = await _http.GetStringAsync(Metrics);
                        return done(text) ? text : null;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                "the awaited metrics"
            );

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_run is not null)
            {
                await _run;
            }
            _http.Dispose();
            await Cluster.DisposeAsync();
        }
    }
}
