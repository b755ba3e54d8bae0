using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Runtime;
using KubePki.Controller.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Controller.Tests.Cli;

/// <summary><c>kubepki csr list|approve|deny|check</c> against the test API server, side by side with
/// kubectl.</summary>
public class CsrCommandTests
{
    private static async Task<string> CreateAsync(
        IKubernetes client,
        string name,
        string signer = "kubernetes.io/kube-apiserver-client",
        int? expirationSeconds = null
    )
    {
        var pem = CsrFactory.Pem(
            new CsrSpec
            {
                CommonName = name,
                Organizations = ["dev"],
                DnsNames = [],
                IpAddresses = [],
            }
        );
        await client.CertificatesV1.CreateCertificateSigningRequestAsync(
            new V1CertificateSigningRequest
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1CertificateSigningRequestSpec
                {
                    Request = pem,
                    SignerName = signer,
                    Usages = ["digital signature", "client auth"],
                    ExpirationSeconds = expirationSeconds,
                },
            }
        );
        return name;
    }

    private static async Task AddConditionAsync(
        IKubernetes client,
        string name,
        string type,
        byte[]? certificate = null
    )
    {
        var csr = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name);
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Conditions ??= [];
        csr.Status.Conditions.Add(
            new V1CertificateSigningRequestCondition
            {
                Type = type,
                Status = "True",
                Reason = "Test",
                Message = "test",
            }
        );
        csr.Status.Certificate = certificate;
        if (type is "Approved" or "Denied")
        {
            await client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(csr, name);
        }
        else
        {
            await client.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(csr, name);
        }
    }

    [Fact]
    public async Task Csr_list_prints_exactly_what_kubectl_get_csr_prints_for_the_same_objects()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero));
        await using var cluster = await TestCluster.StartAsync(time: clock);
        var admin = cluster.Admin();
        await CreateAsync(admin, "csr-old", expirationSeconds: 600);
        clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromHours(5));
        await CreateAsync(
            admin,
            "a-very-long-csr-name-for-column-width",
            signer: "example.com/custom-signer",
            expirationSeconds: 86400
        );
        clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(30));
        await CreateAsync(admin, "csr-approved", expirationSeconds: 3600);
        await AddConditionAsync(admin, "csr-approved", "Approved");
        clock.Advance(TimeSpan.FromMinutes(7) + TimeSpan.FromSeconds(12));
        await CreateAsync(admin, "csr-denied");
        await AddConditionAsync(admin, "csr-denied", "Denied");
        await CreateAsync(admin, "csr-issued", expirationSeconds: 31536000);
        await AddConditionAsync(admin, "csr-issued", "Approved");
        await AddConditionAsync(
            admin,
            "csr-issued",
            "Failed",
            Encoding.ASCII.GetBytes(File.ReadAllText(cluster.CaCertFile))
        );
        clock.Advance(TimeSpan.FromSeconds(42));
        await CreateAsync(admin, "csr-failed", expirationSeconds: 7 * 86400 + 3600);
        await AddConditionAsync(admin, "csr-failed", "Failed");
        clock.Advance(TimeSpan.FromSeconds(5));

        var kubectl = cluster.Kubectl("get", "csr");
        var kubepki = await KubepkiProcess.RunAsync(clock, "csr", "list", "--kubeconfig", cluster.AdminConf);

        Assert.True(kubectl.ExitCode == 0, kubectl.All);
        Assert.True(kubepki.ExitCode == 0, kubepki.All);
        Assert.Equal(kubectl.Out, kubepki.Out);
        Assert.Contains("Approved,Failed,Issued", kubepki.Out);
        Assert.Contains("Pending,Failed", kubepki.Out);
        Assert.Contains("3d7h", kubepki.Out);
        Assert.Equal(7, kubepki.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Csr_list_with_no_csrs_says_so_like_kubectl()
    {
        await using var cluster = await TestCluster.StartAsync();

        var kubepki = await KubepkiProcess.RunAsync("csr", "list", "--kubeconfig", cluster.AdminConf);

        Assert.Equal(0, kubepki.ExitCode);
        Assert.Equal("", kubepki.Out);
        Assert.Equal(cluster.Kubectl("get", "csr").Error.Trim(), kubepki.Error.Trim());
    }

    [Fact]
    public async Task Approve_and_deny_follow_kubectl_including_force_and_the_already_decided_error()
    {
        await using var cluster = await TestCluster.StartAsync();
        var admin = cluster.Admin();
        await CreateAsync(admin, "csr-a");
        await CreateAsync(admin, "csr-b");
        await CreateAsync(admin, "csr-k");
        var conf = new[] { "--kubeconfig", cluster.AdminConf };
        int ApprovalPuts() =>
            cluster.Server.RequestLog.Count(r =>
                r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("/approval", StringComparison.Ordinal)
            );

        var approved = await KubepkiProcess.RunAsync(["csr", "approve", "csr-a", .. conf]);
        var denied = await KubepkiProcess.RunAsync(["csr", "deny", "csr-b", .. conf]);
        Assert.Equal("certificatesigningrequest.certificates.k8s.io/csr-a approved\n", approved.Out);
        Assert.Equal("certificatesigningrequest.certificates.k8s.io/csr-b denied\n", denied.Out);
        var a = await admin.CertificatesV1.ReadCertificateSigningRequestAsync("csr-a");
        var condition = Assert.Single(a.Status.Conditions);
        Assert.Equal(
            ("Approved", "True", "KubePkiApprove", "This CSR was approved by kubepki csr approve."),
            (condition.Type, condition.Status, condition.Reason, condition.Message)
        );
        Assert.Equal(
            "Denied",
            Assert
                .Single((await admin.CertificatesV1.ReadCertificateSigningRequestAsync("csr-b")).Status.Conditions)
                .Type
        );

        // Same decision again: success, nothing sent; with --force it is re-sent without a duplicate condition.
        var puts = ApprovalPuts();
        var again = await KubepkiProcess.RunAsync(["csr", "approve", "csr-a", .. conf]);
        Assert.Equal((0, approved.Out), (again.ExitCode, again.Out));
        Assert.Equal(puts, ApprovalPuts());
        var forced = await KubepkiProcess.RunAsync(["csr", "approve", "--force", "csr-a", .. conf]);
        Assert.Equal((0, approved.Out), (forced.ExitCode, forced.Out));
        Assert.Equal(puts + 1, ApprovalPuts());
        Assert.Single((await admin.CertificatesV1.ReadCertificateSigningRequestAsync("csr-a")).Status.Conditions);

        // The opposite decision is refused, --force or not, with kubectl's words.
        Assert.Equal(0, cluster.Kubectl("certificate", "deny", "csr-k").ExitCode);
        var kubectlRefusal = cluster.Kubectl("certificate", "approve", "--force", "csr-k");
        var refusal = await KubepkiProcess.RunAsync(["csr", "approve", "--force", "csr-k", .. conf]);
        Assert.Equal(1, refusal.ExitCode);
        Assert.Equal("error: certificate signing request \"csr-k\" is already Denied", refusal.Error.Trim());
        Assert.Equal(kubectlRefusal.Error.Trim(), refusal.Error.Trim());
        var reverse = await KubepkiProcess.RunAsync(["csr", "deny", "csr-a", .. conf]);
        Assert.Equal("error: certificate signing request \"csr-a\" is already Approved", reverse.Error.Trim());

        var missing = await KubepkiProcess.RunAsync(["csr", "approve", "nope", .. conf]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal(cluster.Kubectl("certificate", "approve", "nope").Error.Trim(), missing.Error.Trim());
        var none = await KubepkiProcess.RunAsync(["csr", "approve", .. conf]);
        Assert.Equal((1, "error: one or more CSRs must be specified as <name>"), (none.ExitCode, none.Error.Trim()));
    }

    [Fact]
    public async Task Approve_retries_after_a_conflict_and_handles_several_names()
    {
        await using var cluster = await TestCluster.StartAsync();
        var admin = cluster.Admin();
        await CreateAsync(admin, "csr-1");
        await CreateAsync(admin, "csr-2");
        cluster.Server.Faults.FailNext(
            (m, p) => m == "PUT" && p.EndsWith("/approval", StringComparison.Ordinal),
            409,
            2
        );

        var result = await KubepkiProcess.RunAsync(
            "csr",
            "approve",
            "csr-1",
            "csr-2",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(
            "certificatesigningrequest.certificates.k8s.io/csr-1 "
                + "approved\ncertificatesigningrequest.certificates.k8s.io/csr-2 approved\n",
            result.Out
        );
        Assert.Equal(2, cluster.Server.Faults.Injected);
        foreach (var name in new[] { "csr-1", "csr-2" })
        {
            Assert.Equal(
                "Approved",
                Assert
                    .Single((await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status.Conditions)
                    .Type
            );
        }
    }

    [Fact]
    public async Task Check_shows_the_approvers_verdict_for_pending_serving_csrs_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var good = new SimulatedKubelet(cluster, "node-good", ["10.0.0.1"]);
        var liar = new SimulatedKubelet(cluster, "node-liar", ["10.0.0.2"]);
        good.RegisterNode();
        cluster.Server.Store.AddNode("node-liar", ("InternalIP", "10.0.0.99"), ("Hostname", "node-liar"));
        var goodName = await good.SubmitAsync();
        var liarName = await liar.SubmitAsync();
        var admin = cluster.Admin();
        await CreateAsync(admin, "not-serving");
        var decided = await new SimulatedKubelet(cluster, "node-good", ["10.0.0.1"]).SubmitAsync();
        await AddConditionAsync(admin, decided, "Approved");
        var version = cluster.Server.Store.ResourceVersion;
        var writesBefore = cluster.Server.RequestLog.Count(r => !r.StartsWith("GET ", StringComparison.Ordinal));

        var all = await KubepkiProcess.RunAsync("csr", "check", "--kubeconfig", cluster.AdminConf);
        var narrowed = await KubepkiProcess.RunAsync(
            "csr",
            "check",
            goodName,
            "not-serving",
            "--allowed-ip-ranges",
            "10.9.0.0/16",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.True(all.ExitCode == 0, all.All);
        var lines = all.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^NAME\s+REQUESTOR\s+VERDICT\s+DETAIL$", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Matches(
            $@"^{goodName}\s+system:node:node-good\s+Approve\s+kubepki approved .*\(node-good, 10\.0\.0\.1\)",
            lines.Single(l => l.StartsWith(goodName, StringComparison.Ordinal))
        );
        Assert.Matches(
            $@"^{liarName}\s+system:node:node-liar\s+Deny\s+kubepki denied .*IpSansOnNode: .*10\.0\.0\.2",
            lines.Single(l => l.StartsWith(liarName, StringComparison.Ordinal))
        );
        Assert.True(narrowed.ExitCode == 0, narrowed.All);
        Assert.Matches($@"{goodName}\s+system:node:node-good\s+Deny\s+.*IpSansInAllowedRanges", narrowed.Out);
        Assert.Matches(
            $@"not-serving\s+kubernetes-admin\s+Ignore\s+signer kubernetes.io/kube-apiserver-client is not "
                + $@"{SignerNames.KubeletServing}",
            narrowed.Out
        );
        Assert.Equal(version, cluster.Server.Store.ResourceVersion);
        Assert.Equal(
            writesBefore,
            cluster.Server.RequestLog.Count(r => !r.StartsWith("GET ", StringComparison.Ordinal))
        );
    }

    [Fact]
    public async Task Check_reports_a_csr_with_an_unsupported_key_on_its_own_line_among_good_ones()
    {
        await using var cluster = await TestCluster.StartAsync();
        var good = new SimulatedKubelet(cluster, "node-good", ["10.0.0.1"]);
        good.RegisterNode();
        var goodName = await good.SubmitAsync();
        // Its own address: the approver compares every Node, and two Nodes listing one IP both lose it.
        cluster.Server.Store.AddNode("node1", ("InternalIP", "10.0.0.9"), ("Hostname", "node1"));
        var node1 = cluster.ClientFor("system:node:node1", "system:nodes");
        await node1.CertificatesV1.CreateCertificateSigningRequestAsync(
            new V1CertificateSigningRequest
            {
                Metadata = new V1ObjectMeta { Name = "ed25519-csr" },
                Spec = new V1CertificateSigningRequestSpec
                {
                    Request = UnsupportedKeyCsrs.Pem("ed25519"),
                    SignerName = SignerNames.KubeletServing,
                    Usages = ["digital signature", "server auth"],
                },
            }
        );
        var otherName = await new SimulatedKubelet(cluster, "node-good", ["10.0.0.1"]).SubmitAsync();

        var all = await KubepkiProcess.RunAsync("csr", "check", "--kubeconfig", cluster.AdminConf);
        var named = await KubepkiProcess.RunAsync(
            "csr",
            "check",
            "ed25519-csr",
            goodName,
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.True(all.ExitCode == 0, all.All);
        var lines = all.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        string Line(string name) => lines.Single(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.Matches(
            @"^ed25519-csr\s+system:node:node1\s+Deny\s+.*KeyIsSupported: .*unsupported",
            Line("ed25519-csr")
        );
        Assert.Matches($@"^{goodName}\s+system:node:node-good\s+Approve\s", Line(goodName));
        Assert.Matches($@"^{otherName}\s+system:node:node-good\s+Approve\s", Line(otherName));
        Assert.True(named.ExitCode == 0, named.All);
        Assert.Matches(@"ed25519-csr\s+system:node:node1\s+Deny\s+.*unsupported", named.Out);
        Assert.Matches($@"{goodName}\s+system:node:node-good\s+Approve\s", named.Out);
    }

    [Fact]
    public async Task Check_with_nothing_pending_says_so_and_bad_flags_are_one_line_errors()
    {
        await using var cluster = await TestCluster.StartAsync();

        var empty = await KubepkiProcess.RunAsync("csr", "check", "--kubeconfig", cluster.AdminConf);
        var bad = await KubepkiProcess.RunAsync(
            "csr",
            "check",
            "--allowed-ip-ranges",
            "10.0.0.0/33",
            "--kubeconfig",
            cluster.AdminConf
        );
        var noConfig = await KubepkiProcess.RunAsync(
            "csr",
            "list",
            "--kubeconfig",
            cluster.Dir.Combine("missing.conf")
        );

        Assert.Equal((0, "No pending kubernetes.io/kubelet-serving CSRs.\n"), (empty.ExitCode, empty.Out));
        Assert.Equal(
            (1, "error: --allowed-ip-ranges: \"10.0.0.0/33\" is not a CIDR"),
            (bad.ExitCode, bad.Error.Trim())
        );
        Assert.Equal(1, noConfig.ExitCode);
        Assert.StartsWith("error: --kubeconfig ", noConfig.Error);
    }

    private static string DetailOf(string output, string name) =>
        Regex
            .Match(
                output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)),
                @"^\S+\s+\S+\s+(?:Approve|Deny|Ignore)\s+(.*)$"
            )
            .Groups[1]
            .Value;

    [Fact]
    public async Task Check_reaches_the_controllers_verdict_with_all_nodes_and_the_clusters_kubeadm_config()
    {
        await using var cluster = await TestCluster.StartAsync();
        ApiServerNameApprovalTests.AddKubeadmConfig(
            cluster,
            ApiServerNameApprovalTests.ClusterConfiguration
                + "\n  serviceSubnet: 10.200.0.0/16,fd00:10:96::/112\n  dnsDomain: corp.example\n"
        );
        LyingKubelet.Register(cluster, "honest", ("InternalIP", "10.5.0.2"));
        var kubelets = new[]
        {
            LyingKubelet.Register(cluster, "thief", ("InternalIP", "10.5.0.1"), ("ExternalIP", "10.5.0.2")),
            LyingKubelet.Register(
                cluster,
                "svc",
                ("InternalIP", "10.5.0.3"),
                ("ExternalDNS", "db.prod.svc.corp.example")
            ),
            LyingKubelet.Register(cluster, "svc6", ("InternalIP", "10.5.0.4"), ("ExternalIP", "fd00:10:96::a")),
            LyingKubelet.Register(cluster, "endpoint", ("InternalIP", "10.5.0.5"), ("ExternalDNS", "api.corp.example")),
            LyingKubelet.Register(cluster, "pod", ("InternalIP", "10.5.0.6"), ("ExternalIP", "10.244.0.9")),
            LyingKubelet.Register(cluster, "good", ("InternalIP", "10.5.0.7")),
        };
        var names = new List<string>();
        foreach (var kubelet in kubelets)
        {
            names.Add(await kubelet.SubmitAsync());
        }

        var check = await KubepkiProcess.RunAsync("csr", "check", "--kubeconfig", cluster.AdminConf);
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));
        var admin = cluster.Admin();
        var verdicts = new List<V1CertificateSigningRequestCondition>();
        foreach (var name in names)
        {
            verdicts.Add(await ApiServerNameApprovalTests.DecidedAsync(admin, name));
        }

        Assert.True(check.ExitCode == 0, check.All);
        Assert.Equal(
            ["Denied", "Denied", "Denied", "Denied", "Denied", "Approved"],
            verdicts.Select(v => v.Type).ToArray()
        );
        Assert.Contains("SansNotClaimedByOtherNodes", verdicts[0].Message);
        Assert.Contains("NoApiServerNames", verdicts[1].Message);
        Assert.Contains("IpSansOutsideServiceNetwork", verdicts[2].Message);
        Assert.Contains("NoApiServerAddresses", verdicts[3].Message);
        Assert.Contains("IpSansOutsidePodNetwork", verdicts[4].Message);
        for (var i = 0; i < names.Count; i++)
        {
            Assert.Equal(verdicts[i].Message, DetailOf(check.Out, names[i]));
        }
    }

    [Fact]
    public async Task Check_reads_the_api_server_names_and_pod_network_from_flags_like_the_controller()
    {
        await using var cluster = await TestCluster.StartAsync();
        var endpoint = LyingKubelet.Register(
            cluster,
            "endpoint",
            ("InternalIP", "10.5.0.1"),
            ("ExternalIP", "10.5.0.100")
        );
        var san = LyingKubelet.Register(cluster, "san", ("InternalIP", "10.5.0.2"), ("ExternalDNS", "lb.corp.example"));
        var pod = LyingKubelet.Register(cluster, "pod", ("InternalIP", "10.5.0.3"), ("ExternalIP", "10.32.0.9"));
        var endpointName = await endpoint.SubmitAsync();
        var sanName = await san.SubmitAsync();
        var podName = await pod.SubmitAsync();
        string[] flags =
        [
            "--control-plane-endpoint",
            "10.5.0.100:6443",
            "--apiserver-cert-extra-sans",
            "lb.corp.example,192.0.2.10",
            "--pod-network-cidr",
            "10.32.0.0/12",
            "--kubeconfig",
            cluster.AdminConf,
        ];

        var check = await KubepkiProcess.RunAsync(["csr", "check", .. flags]);
        var allowed = await KubepkiProcess.RunAsync(["csr", "check", podName, "--allow-pod-network-ips", .. flags]);

        Assert.True(check.ExitCode == 0, check.All);
        Assert.Matches(
            @"^kubepki denied .*NoApiServerAddresses: subjectAltNames \[10\.5\.0\.100 \(controlPlaneEndpoint\)\]",
            DetailOf(check.Out, endpointName)
        );
        Assert.Contains(
            "NoApiServerAddresses: subjectAltNames [lb.corp.example (apiServer.certSANs)]",
            DetailOf(check.Out, sanName)
        );
        Assert.Contains(
            "IpSansOutsidePodNetwork: IP subjectAltNames [10.32.0.9 (in 10.32.0.0/12)]",
            DetailOf(check.Out, podName)
        );
        Assert.True(allowed.ExitCode == 0, allowed.All);
        Assert.Matches($@"^{podName}\s+system:node:pod\s+Approve\s", allowed.Out.Split('\n')[1]);
    }

    public static TheoryData<string, string[]> EmptyResponses =>
        new()
        {
            { "/apis/certificates.k8s.io/v1/certificatesigningrequests", [] },
            { "/apis/certificates.k8s.io/v1/certificatesigningrequests/", ["named"] },
            { "/api/v1/nodes", [] },
        };

    [Theory]
    [MemberData(nameof(EmptyResponses))]
    public async Task Check_given_an_empty_api_response_fails_with_one_line(string path, string[] named)
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelet = new SimulatedKubelet(cluster, "node-good", ["10.0.0.1"]);
        kubelet.RegisterNode();
        var name = await kubelet.SubmitAsync();
        cluster.Server.Faults.EmptyNext((m, p) => m == "GET" && p.StartsWith(path, StringComparison.Ordinal), 1);

        var result = await KubepkiProcess.RunAsync([
            "csr",
            "check",
            .. named.Select(_ => name),
            "--kubeconfig",
            cluster.AdminConf,
        ]);

        Assert.Equal(1, cluster.Server.Faults.Injected);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Matches(@"^error: the API server sent an empty response to GET \S+\n$", result.Error);
    }

    [Fact]
    public async Task Check_given_an_empty_kubeadm_config_response_goes_on_with_its_flags_as_the_controller_does()
    {
        await using var cluster = await TestCluster.StartAsync();
        ApiServerNameApprovalTests.AddKubeadmConfig(cluster);
        var endpoint = LyingKubelet.Register(cluster, "endpoint", ("ExternalDNS", "api.corp.example"));
        var name = await endpoint.SubmitAsync();
        cluster.Server.Faults.EmptyNext(
            (m, p) => m == "GET" && p.Contains("/configmaps/", StringComparison.Ordinal),
            1
        );

        var result = await KubepkiProcess.RunAsync(
            "csr",
            "check",
            "--apiserver-cert-extra-sans",
            "api.corp.example",
            "--kubeconfig",
            cluster.AdminConf
        );

        Assert.Equal(1, cluster.Server.Faults.Injected);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(
            "approver: cannot read ConfigMap kube-system/kubeadm-config (the API server sent an empty response to GET "
                + "/api/v1/namespaces/kube-system/configmaps/kubeadm-config); using the flags only, as the controller "
                + "would\n",
            result.Error
        );
        Assert.Contains(
            "NoApiServerAddresses: subjectAltNames [api.corp.example (apiServer.certSANs)]",
            DetailOf(result.Out, name)
        );
    }

    [Fact]
    public async Task List_given_an_empty_api_response_fails_with_one_line()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Faults.EmptyNext((m, _) => m == "GET", 1);

        var result = await KubepkiProcess.RunAsync("csr", "list", "--kubeconfig", cluster.AdminConf);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^error: the API server's response is not valid JSON: [^\n]+\n$", result.Error);
    }
}
