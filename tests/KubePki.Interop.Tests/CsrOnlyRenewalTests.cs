using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>An existing ECDSA cluster (certs + kubeconfigs, custom SANs) for <c>certs renew &lt;name&gt;
/// --csr-only</c>.</summary>
public sealed class CsrOnlyClusterFixture : IDisposable
{
    private readonly TempDir _root = new("interop-csr-only");

    public CsrOnlyClusterFixture()
    {
        var clock = Kubepki.NowClock();
        Config = Kubepki.WriteConfig(
            _root.Path,
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: csr-node
            localAPIEndpoint:
              advertiseAddress: 192.168.56.20
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: ECDSA-P256
            controlPlaneEndpoint: api.csr.example.test:6443
            apiServer:
              certSANs: [10.20.30.40, extra.csr.example.test]
            etcd:
              local:
                peerCertSANs: [10.2.2.2]
            """
        );
        Kubepki.InitPhases(clock, Pki, Dir, "--config", Config);
    }

    public string Dir => _root.Combine("cluster");

    public string Pki => _root.Combine("cluster", "pki");

    public string Config { get; }

    /// <summary>A CSR dir that does not exist yet, outside the cluster dir.</summary>
    public string FreshCsrDir(string label) =>
        _root.Combine("csr-" + label.Replace('.', '-') + "-" + Guid.NewGuid().ToString("N")[..8]);

    public string Scratch(string label) => _root.Combine("scratch-" + label + "-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => _root.Dispose();
}

/// <summary><c>kubepki certs renew &lt;name&gt; --csr-only --csr-dir D</c> on an existing cluster, judged by openssl:
/// the CSR asks for exactly the existing cert's subject and SANs, the existing files are untouched, key and CSR are
/// 0600, and the CSR signed by openssl with the cluster's own CA verifies for the cert's TLS purposes.</summary>
public sealed class CsrOnlyRenewalTests(CsrOnlyClusterFixture fixture) : IClassFixture<CsrOnlyClusterFixture>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;

    [Theory]
    [InlineData("apiserver", "apiserver", "ca", TlsUsage.Server)]
    [InlineData("etcd-peer", "etcd/peer", "etcd/ca", TlsUsage.ServerAndClient)]
    [InlineData("front-proxy-client", "front-proxy-client", "front-proxy-ca", TlsUsage.Client)]
    [InlineData("admin.conf", "admin.conf", "ca", TlsUsage.Client)]
    public void Csr_only_asks_for_the_existing_identity_leaves_the_cluster_untouched_and_openssl_can_sign_it(
        string name,
        string csrBase,
        string caBase,
        TlsUsage usage
    )
    {
        var csrDir = fixture.FreshCsrDir(name);
        var scratch = fixture.Scratch(name);
        var before = TreeSnapshot.Of(fixture.Dir);
        var existing = ExistingCert(name, scratch);

        var output = Kubepki.Run(
            Kubepki.NowClock(),
            "certs",
            "renew",
            name,
            "--csr-only",
            "--csr-dir",
            csrDir,
            "--cert-dir",
            fixture.Pki,
            "--kubeconfig-dir",
            fixture.Dir,
            "--config",
            fixture.Config
        );

        Assert.DoesNotContain(" renewed", output);
        Assert.Equal(before, TreeSnapshot.Of(fixture.Dir));
        var csrPath = Path.Combine(csrDir, csrBase + ".csr");
        var keyPath = Path.Combine(csrDir, csrBase + ".key");
        Assert.True(File.Exists(csrPath) && File.Exists(keyPath), $"no {csrBase}.csr/.key in the CSR dir:\n{output}");
        Assert.Equal(Private, File.GetUnixFileMode(csrPath));
        Assert.Equal(Private, File.GetUnixFileMode(keyPath));
        Assert.Equal(PrivateDir, File.GetUnixFileMode(Path.GetDirectoryName(csrPath)!));
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----\n", File.ReadAllText(csrPath));

        // openssl reads the CSR: self-signed by the new key, the existing cert's subject and SANs, no usages requested.
        var csr = OpensslCsr.Read(csrPath);
        var old = OpensslCert.Read(existing);
        Assert.True(csr.SignatureVerified, csr.Text);
        Assert.Equal(old.Subject, csr.Subject);
        Assert.Equal(old.Sans, csr.Sans);
        Assert.Equal(OpensslCsr.PublicKeyOf(keyPath), csr.PublicKeyPem);
        Assert.NotEqual(old.PublicKeyPem, csr.PublicKeyPem);
        Assert.DoesNotContain(csr.RequestedExtensions.Keys, k => k != "X509v3 Subject Alternative Name");

        // The cluster's own CA, driven by openssl, signs it; the result is fit for the cert's purposes.
        var caFile = Path.Combine(fixture.Pki, caBase + ".crt");
        var ca = OpensslCa.Existing(caFile, Path.Combine(fixture.Pki, caBase + ".key"), scratch);
        var signed = ca.Sign(csrPath, Path.Combine(scratch, "signed.crt"), usage);
        foreach (
            var purpose in usage switch
            {
                TlsUsage.Server => new[] { "sslserver" },
                TlsUsage.ServerAndClient => ["sslserver", "sslclient"],
                _ => ["sslclient"],
            }
        )
        {
            var verdict = OpensslVerify.Run(caFile, [signed], purpose)[signed];
            Assert.True(verdict.Ok, $"{name} signed from its CSR, -purpose {purpose}: {verdict.Messages}");
        }
        var read = OpensslCert.Read(signed);
        Assert.Equal(old.Subject, read.Subject);
        Assert.Equal(old.Sans, read.Sans);
        Assert.Equal(
            old.Extension("X509v3 Extended Key Usage")?.Value,
            read.Extension("X509v3 Extended Key Usage")?.Value
        );
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", signed, "-noout", "-pubkey"),
            OpensslCsr.PublicKeyOf(keyPath)
        );
        Assert.Equal(before, TreeSnapshot.Of(fixture.Dir));
    }

    [Fact]
    public void Csr_only_for_the_apiserver_carries_the_configured_extra_sans()
    {
        var csrDir = fixture.FreshCsrDir("apiserver-sans");
        Kubepki.Run(
            Kubepki.NowClock(),
            "certs",
            "renew",
            "apiserver",
            "--csr-only",
            "--csr-dir",
            csrDir,
            "--cert-dir",
            fixture.Pki,
            "--kubeconfig-dir",
            fixture.Dir,
            "--config",
            fixture.Config
        );

        var csr = OpensslCsr.Read(Path.Combine(csrDir, "apiserver.csr"));
        Assert.Equal("CN = kube-apiserver", csr.Subject);
        Assert.Equal(
            [
                "DNS:api.csr.example.test",
                "DNS:csr-node",
                "DNS:extra.csr.example.test",
                "DNS:kubernetes",
                "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc",
                "DNS:kubernetes.default.svc.cluster.local",
                "IP Address:10.96.0.1",
                "IP Address:192.168.56.20",
                "IP Address:10.20.30.40",
            ],
            csr.Sans
        );

        // openssl refuses the apiserver cert signed from it for client use: the purposes come from the CA, not the CSR.
        var scratch = fixture.Scratch("apiserver-sans");
        var caFile = Path.Combine(fixture.Pki, "ca.crt");
        var signed = OpensslCa
            .Existing(caFile, Path.Combine(fixture.Pki, "ca.key"), scratch)
            .Sign(Path.Combine(csrDir, "apiserver.csr"), Path.Combine(scratch, "apiserver.crt"), TlsUsage.Server);
        Assert.True(OpensslVerify.Run(caFile, [signed], "sslserver")[signed].Ok);
        Assert.False(OpensslVerify.Run(caFile, [signed], "sslclient")[signed].Ok);
    }

    /// <summary>The existing certificate file of a renewable item (a kubeconfig's embedded cert is
    /// extracted).</summary>
    private string ExistingCert(string name, string scratch) =>
        name.EndsWith(".conf", StringComparison.Ordinal)
            ? Kubepki.ExtractClientPair(Path.Combine(fixture.Dir, name), scratch).Cert
            : Path.Combine(fixture.Pki, CertSpec.All.Single(s => s.Name == name).Base + ".crt");
}
