using k8s.Models;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;
using KubePki.InCluster;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>The informers read lists in pages of <see cref="PagedList.PageSize"/> (limit/continue): every page
/// counts, for Nodes and for CSRs that existed before the controller started.</summary>
public class PagedListTests
{
    [Fact]
    public async Task Nodes_and_csrs_beyond_the_first_page_are_known_to_the_controller()
    {
        await using var cluster = await TestCluster.StartAsync();
        const int Nodes = PagedList.PageSize * 2 + 1;
        for (var i = 0; i < Nodes; i++)
        {
            cluster.Server.Store.AddNode(
                $"node-{i:D4}",
                ("InternalIP", $"10.7.{i / 250}.{i % 250 + 1}"),
                ("Hostname", $"node-{i:D4}")
            );
        }
        // CSRs from the last nodes: both lists need their later pages for these to be approved and signed.
        var names = new List<string>();
        for (var i = Nodes - PagedList.PageSize - 2; i < Nodes; i++)
        {
            var node = $"node-{i:D4}";
            var csr = new V1CertificateSigningRequest
            {
                ApiVersion = "certificates.k8s.io/v1",
                Kind = "CertificateSigningRequest",
                Metadata = new V1ObjectMeta { Name = $"csr-{node}" },
                Spec = new V1CertificateSigningRequestSpec
                {
                    Request = CsrFactory.Pem(CsrSpec.ForNode(node, $"10.7.{i / 250}.{i % 250 + 1}")),
                    SignerName = SignerNames.KubeletServing,
                    Usages = Csrs.EcdsaServingUsages,
                },
            };
            CsrStrategy.PrepareForCreate(
                csr,
                new ApiUser($"system:node:{node}", ["system:nodes", "system:authenticated"])
            );
            cluster.Server.Store.Csrs.Create(csr, TimeProvider.System);
            names.Add(csr.Metadata.Name);
        }

        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));

        await Eventually.TrueAsync(
            () => names.All(n => cluster.Server.Store.Csrs.Get(null, n)?.Status?.Certificate is { Length: > 0 }),
            "every CSR to be issued",
            TimeSpan.FromMinutes(2)
        );
        var lists = cluster.Server.RequestLog.Where(r => r.Contains("limit=500", StringComparison.Ordinal)).ToList();
        Assert.Contains(
            lists,
            r => r.StartsWith("GET /api/v1/nodes?", StringComparison.Ordinal) && r.Contains("continue=")
        );
        Assert.Contains(
            lists,
            r =>
                r.StartsWith("GET /apis/certificates.k8s.io/v1/certificatesigningrequests?", StringComparison.Ordinal)
                && r.Contains("continue=")
        );
        Assert.DoesNotContain(
            cluster.Server.Store.Csrs.List(null).Items,
            c => c.Status?.Conditions?.Any(x => x.Type == "Denied") == true
        );
    }
}
