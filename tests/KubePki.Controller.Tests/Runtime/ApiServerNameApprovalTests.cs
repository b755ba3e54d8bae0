using k8s;
using k8s.Models;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Runtime;

/// <summary>Security issue item 5 through the running controller: a Node that writes the API server's own names (the
/// cluster's controlPlaneEndpoint host, an apiServer.certSANs entry) or a pod IP into its own status gets no serving
/// certificate for them, although it is signed by the CA every kubeconfig trusts.</summary>
public class ApiServerNameApprovalTests
{
    public const string ClusterConfiguration = """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: ClusterConfiguration
        controlPlaneEndpoint: api.corp.example:6443
        apiServer:
          certSANs: [lb.corp.example, 192.0.2.10, "2001:db8::10"]
        networking:
          podSubnet: 10.244.0.0/16,fd00:10:244::/56
        """;

    internal static void AddKubeadmConfig(TestCluster cluster, string text = ClusterConfiguration) =>
        cluster.Server.Store.AddConfigMap(
            KubeadmConfigMap.Namespace,
            KubeadmConfigMap.Name,
            new Dictionary<string, string> { [KubeadmConfigMap.Key] = text }
        );

    internal static async Task<V1CertificateSigningRequestCondition> DecidedAsync(IKubernetes admin, string name) =>
        await Eventually.GetAsync(
            async () =>
                (
                    await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name)
                ).Status?.Conditions?.FirstOrDefault(c => c.Type is "Approved" or "Denied"),
            $"{name} to be decided"
        );

    [Fact]
    public async Task A_node_listing_the_control_plane_endpoint_or_a_cert_san_in_its_status_is_denied()
    {
        await using var cluster = await TestCluster.StartAsync();
        AddKubeadmConfig(cluster);
        var endpoint = LyingKubelet.Register(
            cluster,
            "cpe",
            ("InternalIP", "10.5.0.1"),
            ("ExternalDNS", "api.corp.example")
        );
        var sanName = LyingKubelet.Register(
            cluster,
            "san-dns",
            ("InternalIP", "10.5.0.2"),
            ("ExternalDNS", "LB.corp.example.")
        );
        var sanIp = LyingKubelet.Register(cluster, "san-ip", ("InternalIP", "10.5.0.3"), ("ExternalIP", "192.0.2.10"));
        var sanIp6 = LyingKubelet.Register(
            cluster,
            "san-ip6",
            ("InternalIP", "10.5.0.4"),
            ("ExternalIP", "2001:db8:0::10")
        );
        var good = LyingKubelet.Register(
            cluster,
            "good",
            ("InternalIP", "10.5.0.5"),
            ("ExternalDNS", "good.corp.example")
        );
        await using var controller = RunningController.Start(cluster.Admin(), RunningController.Options(cluster));
        var admin = cluster.Admin();

        var byEndpoint = await DecidedAsync(admin, await endpoint.SubmitAsync());
        var bySanName = await DecidedAsync(admin, await sanName.SubmitAsync());
        var bySanIp = await DecidedAsync(admin, await sanIp.SubmitAsync());
        var bySanIp6 = await DecidedAsync(admin, await sanIp6.SubmitAsync());
        var own = await DecidedAsync(admin, await good.SubmitAsync());

        Assert.Equal("Denied", byEndpoint.Type);
        Assert.Contains(
            "NoApiServerAddresses: subjectAltNames [api.corp.example (controlPlaneEndpoint)] are the API server's "
                + "own names",
            byEndpoint.Message
        );
        Assert.Equal("Denied", bySanName.Type);
        Assert.Contains(
            "NoApiServerAddresses: subjectAltNames [LB.corp.example. (apiServer.certSANs)]",
            bySanName.Message
        );
        Assert.Equal("Denied", bySanIp.Type);
        Assert.Contains("NoApiServerAddresses: subjectAltNames [192.0.2.10 (apiServer.certSANs)]", bySanIp.Message);
        Assert.Equal("Denied", bySanIp6.Type);
        Assert.Contains("NoApiServerAddresses: subjectAltNames [2001:db8::10 (apiServer.certSANs)]", bySanIp6.Message);
        Assert.True(own.Type == "Approved", own.Message);
    }

    [Fact]
    public async Task A_node_listing_a_pod_ip_in_its_status_is_denied_unless_the_operator_allows_pod_ips()
    {
        await using var cluster = await TestCluster.StartAsync();
        AddKubeadmConfig(cluster);
        var pod = LyingKubelet.Register(cluster, "pod", ("InternalIP", "10.5.0.1"), ("ExternalIP", "10.244.3.7"));
        var pod6 = LyingKubelet.Register(cluster, "pod6", ("InternalIP", "fd00:10:244:1::7"));
        var admin = cluster.Admin();
        var denied = await pod.SubmitAsync();
        var denied6 = await pod6.SubmitAsync();

        await using (RunningController.Start(cluster.Admin(), RunningController.Options(cluster)))
        {
            var byPodIp = await DecidedAsync(admin, denied);
            var byPodIp6 = await DecidedAsync(admin, denied6);

            Assert.Equal("Denied", byPodIp.Type);
            Assert.Contains(
                "IpSansOutsidePodNetwork: IP subjectAltNames [10.244.3.7 (in 10.244.0.0/16)] are in the pod network",
                byPodIp.Message
            );
            Assert.Equal("Denied", byPodIp6.Type);
            Assert.Contains(
                "IpSansOutsidePodNetwork: IP subjectAltNames [fd00:10:244:1::7 (in fd00:10:244::/56)]",
                byPodIp6.Message
            );
        }

        var allowed = await pod.SubmitAsync();
        var options = RunningController.Options(cluster) with
        {
            Approver = ApproverOptions.Default with { AllowPodNetworkIps = true },
        };
        await using (RunningController.Start(cluster.Admin(), options))
        {
            var byPolicy = await DecidedAsync(admin, allowed);

            Assert.True(byPolicy.Type == "Approved", byPolicy.Message);
        }
    }
}

/// <summary>A kubelet whose Node lists whatever addresses it wrote into its own status, and whose serving CSR asks for
/// all of them, as the kubelet's certificate manager does (Hostname/ExternalDNS/InternalDNS as DNS SANs,
/// InternalIP/ExternalIP as IP SANs).</summary>
internal sealed class LyingKubelet(TestCluster cluster, string nodeName, (string Type, string Address)[] addresses)
{
    public static LyingKubelet Register(
        TestCluster cluster,
        string nodeName,
        params (string Type, string Address)[] addresses
    )
    {
        cluster.Server.Store.AddNode(nodeName, [("Hostname", nodeName), .. addresses]);
        return new LyingKubelet(cluster, nodeName, addresses);
    }

    public async Task<string> SubmitAsync()
    {
        var spec = new CsrSpec
        {
            CommonName = $"system:node:{nodeName}",
            DnsNames =
            [
                nodeName,
                .. addresses.Where(a => a.Type.EndsWith("DNS", StringComparison.Ordinal)).Select(a => a.Address),
            ],
            IpAddresses = addresses
                .Where(a => a.Type.EndsWith("IP", StringComparison.Ordinal))
                .Select(a => System.Net.IPAddress.Parse(a.Address))
                .ToList(),
        };
        var client = cluster.ClientFor($"system:node:{nodeName}", "system:nodes");
        var created = await client.CertificatesV1.CreateCertificateSigningRequestAsync(
            new V1CertificateSigningRequest
            {
                Metadata = new V1ObjectMeta { GenerateName = "csr-" },
                Spec = new V1CertificateSigningRequestSpec
                {
                    Request = CsrFactory.Pem(spec),
                    SignerName = KubePki.Controller.Signing.SignerNames.KubeletServing,
                    Usages = ["digital signature", "server auth"],
                },
            }
        );
        return created.Metadata.Name;
    }
}
