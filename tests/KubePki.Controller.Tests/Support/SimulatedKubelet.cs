using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using KubePki.Controller.Signing;
using KubePki.Crypto;

namespace KubePki.Controller.Tests.Support;

/// <summary>A kubelet with serverTLSBootstrap: authenticated as system:node:&lt;name&gt; (O=system:nodes) with a
/// client cert from the cluster CA, it submits a serving CSR as kubelet's certificate manager does (CN, O, SANs from
/// its Node addresses, usages by key type, generateName "csr-") and waits for the certificate.</summary>
public sealed class SimulatedKubelet(TestCluster cluster, string nodeName, string[] ips, string key = "ecdsa")
{
    private readonly IKubernetes _client = cluster.ClientFor($"system:node:{nodeName}", "system:nodes");

    public string NodeName { get; } = nodeName;

    public PrivateKey? Key { get; private set; }

    public void RegisterNode() =>
        cluster.Server.Store.AddNode(NodeName, [.. ips.Select(ip => ("InternalIP", ip)), ("Hostname", NodeName)]);

    public async Task<string> SubmitAsync(CancellationToken cancellationToken = default)
    {
        var spec = new CsrSpec
        {
            CommonName = $"system:node:{NodeName}",
            DnsNames = [NodeName],
            IpAddresses = ips.Select(IPAddress.Parse).ToList(),
            Key = key,
        };
        var pem = CsrFactory.PemText(spec, out var privateKey);
        Key = privateKey;
        var created = await _client.CertificatesV1.CreateCertificateSigningRequestAsync(
            new V1CertificateSigningRequest
            {
                ApiVersion = "certificates.k8s.io/v1",
                Kind = "CertificateSigningRequest",
                Metadata = new V1ObjectMeta { GenerateName = "csr-" },
                Spec = new V1CertificateSigningRequestSpec
                {
                    Request = Encoding.ASCII.GetBytes(pem),
                    SignerName = SignerNames.KubeletServing,
                    Usages =
                        key == "ecdsa"
                            ? ["digital signature", "server auth"]
                            : ["digital signature", "key encipherment", "server auth"],
                },
            },
            cancellationToken: cancellationToken
        );
        return created.Metadata.Name;
    }
}
