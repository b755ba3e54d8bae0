using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Approval;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>The controller against the test API server: simulated kubelets in, verified serving certs out.</summary>
public class EndToEndTests
{
    private static async Task<V1CertificateSigningRequest> IssuedAsync(IKubernetes client, string name) =>
        await Eventually.GetAsync(
            async () =>
            {
                var csr = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name);
                return csr.Status?.Certificate is { Length: > 0 } ? csr : null;
            },
            $"CSR {name} to be issued"
        );

    [Fact]
    public async Task Kubelet_serving_csrs_are_approved_signed_and_verify_as_ssl_servers()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelets = new[]
        {
            new SimulatedKubelet(cluster, "node-a", ["10.0.0.11"]),
            new SimulatedKubelet(cluster, "node-b", ["10.0.0.12", "fd00::12"], key: "rsa"),
            new SimulatedKubelet(cluster, "node-local", ["127.0.0.1"]),
        };
        foreach (var kubelet in kubelets)
        {
            kubelet.RegisterNode();
        }
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));
        var names = new List<string>();
        foreach (var kubelet in kubelets)
        {
            names.Add(await kubelet.SubmitAsync());
        }
        var admin = cluster.Admin();

        foreach (var name in names)
        {
            var csr = await IssuedAsync(admin, name);
            Assert.Contains(
                csr.Status.Conditions,
                c => c.Type == "Approved" && c.Reason == ApprovalVerdict.ApprovedReason
            );
            var path = cluster.Dir.Combine($"{name}.crt");
            File.WriteAllBytes(path, csr.Status.Certificate);
            var verify = ExternalTool.Openssl("verify", "-purpose", "sslserver", "-CAfile", cluster.CaCertFile, path);
            Assert.True(verify.ExitCode == 0, verify.All);
            Assert.Equal($"{path}: OK", verify.Out.Trim());
            Assert.NotEqual(
                0,
                ExternalTool.Openssl("verify", "-purpose", "sslclient", "-CAfile", cluster.CaCertFile, path).ExitCode
            );
        }
        Assert.Equal(
            "Approved,Issued",
            cluster
                .Kubectl("get", "csr", names[0], "--no-headers")
                .Out.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]
                .Trim()
        );

        // The node-local kubelet's new cert serves TLS that kubectl accepts (host 127.0.0.1, trust from admin.conf).
        var local = await admin.CertificatesV1.ReadCertificateSigningRequestAsync(names[2]);
        using var issued = X509Certificate2.CreateFromPem(
            Encoding.ASCII.GetString(local.Status.Certificate),
            kubelets[2].Key!.ToPem()
        );
        var port = FreePort.On("127.0.0.1");
        await using var kubeletServer = new TestApiServer(issued, cluster.Ca.Certificate, port);
        await kubeletServer.StartAsync();
        var raw = cluster.Kubectl("--server", $"https://127.0.0.1:{port}", "get", "--raw", "/healthz");
        Assert.True(raw.ExitCode == 0, raw.All);
        Assert.Equal("ok", raw.Out.Trim());
        Assert.Equal(3d, controller.Host.Metrics.Value("kubepki_csr_signed_total", SignerNames.KubeletServing));
    }

    [Fact]
    public async Task Every_hostile_csr_ends_denied_or_failed_and_is_never_issued()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Server.Store.AddNode("node1", HostileCsrs.Node1.Addresses.Select(a => (a.Type, a.Address)).ToArray());
        cluster.Server.Store.AddNode("node2", HostileCsrs.Node2.Addresses.Select(a => (a.Type, a.Address)).ToArray());
        var options = RunningController.Options(cluster) with
        {
            Approver = new ApproverOptions(
                [ApproverOptions.Pattern(@".*\.cluster\.local"), ApproverOptions.Pattern(@".*\.example\.com")],
                [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("fd00::/8")],
                TimeSpan.FromHours(1)
            ),
        };
        await using var controller = RunningController.Start(cluster.Admin(), options);
        var created = new List<string>();
        var rejected = new List<string>();
        foreach (var hostile in HostileCsrs.All)
        {
            var snapshot = hostile.Build();
            var groups = snapshot.Groups.Where(g => g != "system:authenticated").ToArray();
            var client = cluster.ClientFor(snapshot.Username, groups);
            try
            {
                var csr = await client.CertificatesV1.CreateCertificateSigningRequestAsync(
                    new V1CertificateSigningRequest
                    {
                        Metadata = new V1ObjectMeta { Name = $"hostile-{created.Count + rejected.Count}" },
                        Spec = new V1CertificateSigningRequestSpec
                        {
                            Request = snapshot.Request,
                            SignerName = snapshot.SignerName,
                            Usages = snapshot.Usages.ToList(),
                            ExpirationSeconds = snapshot.ExpirationSeconds,
                        },
                    }
                );
                created.Add(csr.Metadata.Name);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == (HttpStatusCode)422)
            {
                // Malformed PEM or a bad signature never gets past the API's validation.
                rejected.Add(hostile.Name);
            }
        }
        // A serving-shaped CSR sent to another signer and approved by a careless admin: the signer fails it.
        var wrongSigner = await cluster
            .ClientFor("system:node:node1", "system:nodes")
            .CertificatesV1.CreateCertificateSigningRequestAsync(
                new V1CertificateSigningRequest
                {
                    Metadata = new V1ObjectMeta { Name = "hostile-wrong-signer" },
                    Spec = new V1CertificateSigningRequestSpec
                    {
                        Request = CsrFactory.Pem(CsrSpec.ForNode("node1", "10.0.0.1")),
                        SignerName = SignerNames.KubeletClient,
                        Usages = ["digital signature", "server auth"],
                    },
                }
            );
        Assert.Equal(0, cluster.Kubectl("certificate", "approve", wrongSigner.Metadata.Name).ExitCode);
        created.Add(wrongSigner.Metadata.Name);

        Assert.Equal(["malformed PEM", "a PEM block of the wrong type", "bad signature"], rejected);
        var admin = cluster.Admin();
        foreach (var name in created)
        {
            var csr = await Eventually.GetAsync(
                async () =>
                {
                    var current = await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name);
                    return current.Status?.Conditions?.Any(c => c.Type is "Denied" or "Failed") == true
                        ? current
                        : null;
                },
                $"{name} to be denied or failed"
            );
            Assert.Null(csr.Status.Certificate);
        }
        var failed = await admin.CertificatesV1.ReadCertificateSigningRequestAsync("hostile-wrong-signer");
        Assert.Contains(
            failed.Status.Conditions,
            c =>
                c
                    is {
                        Type: "Failed",
                        Reason: "SignerValidationFailure",
                        Message: "DNS subjectAltNames are not allowed"
                    }
        );
        Assert.Empty(cluster.Server.Store.DistinctCertificatesSent());
        Assert.True(created.Count >= 30);
    }

    [Fact]
    public async Task Dropped_watches_conflicts_server_errors_and_a_restart_lose_no_csr_and_sign_none_twice()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelets = Enumerable
            .Range(0, 12)
            .Select(i => new SimulatedKubelet(cluster, $"node-{i}", [$"10.1.0.{i + 1}"]))
            .ToList();
        kubelets.ForEach(k => k.RegisterNode());
        var faults = cluster.Server.Faults;
        faults.FailNext((m, p) => m == "PUT" && p.EndsWith("/status"), 409, 3);
        faults.FailNext((m, p) => m == "PUT" && p.EndsWith("/status"), 500, 3);
        faults.FailNext((m, p) => m == "PUT" && p.EndsWith("/approval"), 500, 2);
        faults.FailNext((m, p) => m == "GET" && p == "/api/v1/nodes", 500, 2);
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));
        var names = new List<string>();
        for (var i = 0; i < kubelets.Count; i++)
        {
            names.Add(await kubelets[i].SubmitAsync());
            if (i == 3)
            {
                cluster.Server.Store.DropWatches();
            }
            if (i == 7)
            {
                await cluster.Server.RestartAsync();
            }
        }
        var admin = cluster.Admin();

        foreach (var name in names)
        {
            await IssuedAsync(admin, name);
        }
        Assert.Equal(10, faults.Injected);
        var sent = cluster.Server.Store.DistinctCertificatesSent();
        Assert.Equal(names.Order(), sent.Keys.Order());
        Assert.All(sent.Values, count => Assert.Equal(1, count));
        Assert.True(controller.Host.Metrics.Value("kubepki_csr_retries_total") >= 10);
    }

    [Fact]
    public async Task Two_replicas_with_leader_election_sign_each_csr_once_and_survive_the_leader_stopping()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelets = Enumerable
            .Range(0, 10)
            .Select(i => new SimulatedKubelet(cluster, $"ha-{i}", [$"10.2.0.{i + 1}"]))
            .ToList();
        kubelets.ForEach(k => k.RegisterNode());
        var first = RunningController.Start(
            cluster.Admin(),
            RunningController.Options(cluster, leaderElect: true) with
            {
                Identity = "replica-1",
            }
        );
        await using var second = RunningController.Start(
            cluster.Admin(),
            RunningController.Options(cluster, leaderElect: true) with
            {
                Identity = "replica-2",
            }
        );
        await Eventually.TrueAsync(() => first.Host.Metrics.IsLeader || second.Host.Metrics.IsLeader, "a leader");
        Assert.False(first.Host.Metrics.IsLeader && second.Host.Metrics.IsLeader);
        var leader = first.Host.Metrics.IsLeader ? first : second;
        var follower = leader == first ? second : first;
        var admin = cluster.Admin();
        var names = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            names.Add(await kubelets[i].SubmitAsync());
        }
        foreach (var name in names)
        {
            await IssuedAsync(admin, name);
        }

        // A certificate is visible before its signer has read the server's reply and counted it; stopping the leader
        // in that window would lose the count, not the certificate.
        await Eventually.TrueAsync(() => Signed(first) + Signed(second) >= 5, "the first five counted");
        await leader.StopAsync();
        for (var i = 5; i < kubelets.Count; i++)
        {
            names.Add(await kubelets[i].SubmitAsync());
        }
        foreach (var name in names)
        {
            await IssuedAsync(admin, name);
        }

        Assert.True(follower.Host.Metrics.IsLeader);
        Assert.Equal(
            10d,
            leader.Host.Metrics.Value("kubepki_csr_signed_total")
                + follower.Host.Metrics.Value("kubepki_csr_signed_total")
        );
        Assert.True(follower.Host.Metrics.Value("kubepki_csr_signed_total") >= 5);
        Assert.All(cluster.Server.Store.DistinctCertificatesSent().Values, count => Assert.Equal(1, count));
        var lease = await admin.CoordinationV1.ReadNamespacedLeaseAsync("kubepki-controller", "kube-system");
        Assert.Equal(follower == first ? "replica-1" : "replica-2", lease.Spec.HolderIdentity);
        await first.DisposeAsync();
    }

    private static double Signed(RunningController controller) =>
        controller.Host.Metrics.Value("kubepki_csr_signed_total");
}
