using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Api;

/// <summary>kubectl 1.32 with a kubepki-made admin.conf drives the test API server as it would a real cluster: proof
/// that the server speaks the real wire format.</summary>
public class KubectlAgainstTestApiServerTests
{
    private static string CsrYaml(
        string name,
        string pem,
        string signer = "kubernetes.io/kube-apiserver-client",
        int? expiration = 3600
    ) =>
        $"""
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata:
              name: {name}
            spec:
              request: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem))}
              signerName: {signer}
            {(expiration is { } e ? $"  expirationSeconds: {e}\n" : "")}  usages:
              - digital signature
              - client auth
            """;

    [Fact]
    public async Task Kubectl_creates_lists_approves_denies_and_reads_csrs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var pem = CsrFactory.PemText(
            new CsrSpec
            {
                CommonName = "alice",
                Organizations = ["dev"],
                DnsNames = [],
                IpAddresses = [],
            },
            out _
        );
        File.WriteAllText(cluster.Dir.Combine("a.yaml"), CsrYaml("csr-a", pem));
        File.WriteAllText(cluster.Dir.Combine("b.yaml"), CsrYaml("csr-b", pem, expiration: null));

        var created = cluster.Kubectl("create", "-f", "a.yaml");
        Assert.True(created.ExitCode == 0, created.All);
        Assert.Equal("certificatesigningrequest.certificates.k8s.io/csr-a created", created.Out.Trim());
        Assert.Equal(0, cluster.Kubectl("create", "-f", "b.yaml").ExitCode);

        var pending = cluster.Kubectl("get", "csr");
        Assert.True(pending.ExitCode == 0, pending.All);
        var lines = pending.Out.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION$", lines[0]);
        Assert.Matches(
            @"^csr-a\s+\S+\s+kubernetes.io/kube-apiserver-client\s+kubernetes-admin\s+60m\s+Pending$",
            lines[1]
        );
        Assert.Matches(
            @"^csr-b\s+\S+\s+kubernetes.io/kube-apiserver-client\s+kubernetes-admin\s+<none>\s+Pending$",
            lines[2]
        );

        var approved = cluster.Kubectl("certificate", "approve", "csr-a");
        Assert.True(approved.ExitCode == 0, approved.All);
        Assert.Equal("certificatesigningrequest.certificates.k8s.io/csr-a approved", approved.Out.Trim());
        var denied = cluster.Kubectl("certificate", "deny", "csr-b");
        Assert.Equal("certificatesigningrequest.certificates.k8s.io/csr-b denied", denied.Out.Trim());
        var again = cluster.Kubectl("certificate", "approve", "csr-b");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("certificate signing request \"csr-b\" is already Denied", again.Error);

        Assert.Matches(@"csr-a\s+.*Approved\n", cluster.Kubectl("get", "csr").Out);
        Assert.Matches(@"csr-b\s+.*Denied\n", cluster.Kubectl("get", "csr").Out);
        var reason = cluster.Kubectl("get", "csr", "csr-a", "-o", "jsonpath={.status.conditions[0].reason}");
        Assert.Equal("KubectlApprove", reason.Out);
    }
}
