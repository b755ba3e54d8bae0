using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>openssl as the judge of what kubepki writes: chains, purposes, key/cert pairs and every field of a
/// non-default configuration, read back by <c>openssl x509</c>.</summary>
public sealed class OpensslTests
{
    private static readonly DateTimeOffset Start = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const string CustomConfig = """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: InitConfiguration
        nodeRegistration:
          name: cp-node-7
        localAPIEndpoint:
          advertiseAddress: 192.168.56.10
          bindPort: 6443
        ---
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: ClusterConfiguration
        clusterName: kubernetes
        controlPlaneEndpoint: api.example.test:7443
        encryptionAlgorithm: ECDSA-P256
        networking:
          serviceSubnet: 10.100.0.0/16
          dnsDomain: corp.example
        apiServer:
          certSANs:
          - zeta.example.test
          - 10.20.30.40
          - alpha.example.test
          - kubernetes
          - 192.168.56.10
        etcd:
          local:
            serverCertSANs:
            - etcd-s.example.test
            - 10.1.1.1
            peerCertSANs:
            - etcd-p.example.test
            - 10.2.2.2
        ---
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        cgroupDriver: systemd
        """;

    [Fact]
    public void Default_config_every_cert_verifies_against_its_ca_for_its_purpose_and_every_key_matches_its_cert()
    {
        using var dir = new TempDir("interop-openssl-default");
        var clock = Kubepki.FixedClock(Start);
        var pki = dir.Combine("pki");
        Kubepki.InitPhases(clock, pki, dir.Path);

        var reads = VerifyTree(pki, dir.Path, dir.Combine("extracted"), Start.ToUnixTimeSeconds());

        Assert.Equal(CertSpec.All.Count + CertSpec.Kubeconfigs.Count, reads.Count);
        foreach (var (name, cert) in reads)
        {
            Assert.True(
                cert.PublicKeyAlgorithm == "rsaEncryption" && cert.Text.Contains("Public-Key: (2048 bit)"),
                $"{name}: not RSA-2048\n{cert.Text}"
            );
            Assert.Equal("sha256WithRSAEncryption", cert.SignatureAlgorithm);
        }
        foreach (var spec in CertSpec.All)
        {
            Assert.StartsWith(
                "-----BEGIN RSA PRIVATE KEY-----\n",
                File.ReadAllText(Path.Combine(pki, spec.Base + ".key"))
            );
        }
        // sa.pub is the public half of sa.key.
        Assert.Equal(
            ExternalTool.OpensslOk("pkey", "-in", Path.Combine(pki, "sa.key"), "-pubout"),
            File.ReadAllText(Path.Combine(pki, "sa.pub"))
        );
    }

    [Fact]
    public void Custom_v1beta4_config_every_field_read_back_by_openssl_is_kubeadms()
    {
        using var dir = new TempDir("interop-openssl-custom");
        var clock = Kubepki.FixedClock(Start);
        var pki = dir.Combine("pki");
        var config = Kubepki.WriteConfig(dir.Path, CustomConfig);
        Kubepki.InitPhases(clock, pki, dir.Path, "--config", config);

        var reads = VerifyTree(pki, dir.Path, dir.Combine("extracted"), Start.ToUnixTimeSeconds());

        var expected = new Dictionary<string, (string Subject, string[] Sans)>
        {
            ["ca"] = ("CN = kubernetes", ["DNS:kubernetes"]),
            ["apiserver"] = (
                "CN = kube-apiserver",
                [
                    "DNS:alpha.example.test",
                    "DNS:api.example.test",
                    "DNS:cp-node-7",
                    "DNS:kubernetes",
                    "DNS:kubernetes.default",
                    "DNS:kubernetes.default.svc",
                    "DNS:kubernetes.default.svc.corp.example",
                    "DNS:zeta.example.test",
                    "IP Address:10.100.0.1",
                    "IP Address:192.168.56.10",
                    "IP Address:10.20.30.40",
                ]
            ),
            ["apiserver-kubelet-client"] = ("O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client", []),
            ["front-proxy-ca"] = ("CN = front-proxy-ca", ["DNS:front-proxy-ca"]),
            ["front-proxy-client"] = ("CN = front-proxy-client", []),
            ["etcd-ca"] = ("CN = etcd-ca", ["DNS:etcd-ca"]),
            ["etcd-server"] = (
                "CN = cp-node-7",
                [
                    "DNS:cp-node-7",
                    "DNS:etcd-s.example.test",
                    "DNS:localhost",
                    "IP Address:192.168.56.10",
                    "IP Address:127.0.0.1",
                    "IP Address:0:0:0:0:0:0:0:1",
                    "IP Address:10.1.1.1",
                ]
            ),
            ["etcd-peer"] = (
                "CN = cp-node-7",
                [
                    "DNS:cp-node-7",
                    "DNS:etcd-p.example.test",
                    "DNS:localhost",
                    "IP Address:192.168.56.10",
                    "IP Address:127.0.0.1",
                    "IP Address:0:0:0:0:0:0:0:1",
                    "IP Address:10.2.2.2",
                ]
            ),
            ["etcd-healthcheck-client"] = ("CN = kube-etcd-healthcheck-client", []),
            ["apiserver-etcd-client"] = ("CN = kube-apiserver-etcd-client", []),
            ["admin.conf"] = ("O = kubeadm:cluster-admins, CN = kubernetes-admin", []),
            ["super-admin.conf"] = ("O = system:masters, CN = kubernetes-super-admin", []),
            ["kubelet.conf"] = ("O = system:nodes, CN = system:node:cp-node-7", []),
            ["controller-manager.conf"] = ("CN = system:kube-controller-manager", []),
            ["scheduler.conf"] = ("CN = system:kube-scheduler", []),
        };
        Assert.Equal(expected.Keys.Order(), reads.Keys.Order());

        foreach (var spec in CertSpec.All)
        {
            var cert = reads[spec.Name];
            Assert.Equal(expected[spec.Name].Subject, cert.Subject);
            Assert.Equal(expected[spec.Name].Sans, cert.Sans);
            AssertEcdsaP256(cert, Path.Combine(pki, spec.Base + ".key"));
            Assert.Equal(Public, File.GetUnixFileMode(Path.Combine(pki, spec.Base + ".crt")));
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(pki, spec.Base + ".key")));
            if (spec.IsCa)
            {
                AssertCa(cert, Start);
            }
            else
            {
                var eku = (spec.Server, spec.Client) switch
                {
                    (true, true) => "TLS Web Server Authentication, TLS Web Client Authentication",
                    (true, false) => "TLS Web Server Authentication",
                    _ => "TLS Web Client Authentication",
                };
                AssertLeaf(cert, reads[CaName(spec.CaBase!)], eku, Start);
            }
        }

        foreach (var name in CertSpec.Kubeconfigs)
        {
            var conf = dir.Combine(name);
            var cert = reads[name];
            Assert.Equal(expected[name].Subject, cert.Subject);
            Assert.Empty(cert.Sans);
            AssertLeaf(cert, reads["ca"], "TLS Web Client Authentication", Start);
            AssertEcdsaP256(cert, dir.Combine("extracted", Path.GetFileNameWithoutExtension(name) + ".key"));
            Assert.Equal(Private, File.GetUnixFileMode(conf));
            var local = name is "controller-manager.conf" or "scheduler.conf";
            Assert.Equal(
                local ? "https://192.168.56.10:6443" : "https://api.example.test:7443",
                Kubepki.KubeconfigField(conf, "server")
            );
        }

        // The service-account pair follows the cluster's encryptionAlgorithm too, and sa.pub is 0600 like kubeadm's.
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----\n", File.ReadAllText(Path.Combine(pki, "sa.key")));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(pki, "sa.key")));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(pki, "sa.pub")));
        Assert.Equal(
            ExternalTool.OpensslOk("pkey", "-in", Path.Combine(pki, "sa.key"), "-pubout"),
            File.ReadAllText(Path.Combine(pki, "sa.pub"))
        );
        Assert.Contains(
            "ASN1 OID: prime256v1",
            ExternalTool.OpensslOk("pkey", "-pubin", "-in", Path.Combine(pki, "sa.pub"), "-noout", "-text")
        );
    }

    [Fact]
    public void V1beta3_config_public_keys_ecdsa_feature_gate_gives_ecdsa_p256_keys_everywhere()
    {
        using var dir = new TempDir("interop-openssl-v1beta3");
        var clock = Kubepki.FixedClock(Start);
        var pki = dir.Combine("pki");
        var config = Kubepki.WriteConfig(
            dir.Path,
            """
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: InitConfiguration
            nodeRegistration:
              name: legacy-node
            localAPIEndpoint:
              advertiseAddress: 10.0.0.5
            ---
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: ClusterConfiguration
            featureGates:
              PublicKeysECDSA: true
            """
        );
        Kubepki.InitPhases(clock, pki, dir.Path, "--config", config);

        var reads = VerifyTree(pki, dir.Path, dir.Combine("extracted"), Start.ToUnixTimeSeconds());

        foreach (var spec in CertSpec.All)
        {
            AssertEcdsaP256(reads[spec.Name], Path.Combine(pki, spec.Base + ".key"));
        }
        foreach (var name in CertSpec.Kubeconfigs)
        {
            AssertEcdsaP256(reads[name], dir.Combine("extracted", Path.GetFileNameWithoutExtension(name) + ".key"));
        }
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----\n", File.ReadAllText(Path.Combine(pki, "sa.key")));
        Assert.Equal(
            [
                "DNS:legacy-node",
                "DNS:localhost",
                "IP Address:10.0.0.5",
                "IP Address:127.0.0.1",
                "IP Address:0:0:0:0:0:0:0:1",
            ],
            reads["etcd-server"].Sans
        );
        Assert.Equal("O = system:nodes, CN = system:node:legacy-node", reads["kubelet.conf"].Subject);
    }

    private static string CaName(string caBase) => CertSpec.All.Single(s => s.Base == caBase).Name;

    /// <summary>Everything openssl can say about one generated tree: each CA verifies as itself; each leaf (kubeconfig
    /// client certs included) verifies against its CA for exactly the purposes its EKU allows, the other purpose
    /// failing
    /// with "unsuitable certificate purpose"; no leaf verifies against an unrelated CA of the tree; every private key
    /// is
    /// the partner of its certificate. Returns openssl's reading of every certificate, by cert or kubeconfig
    /// name.</summary>
    private static Dictionary<string, OpensslCert> VerifyTree(
        string pki,
        string kubeconfigDir,
        string extractDir,
        long at
    )
    {
        var leaves = CertSpec
            .All.Where(s => !s.IsCa)
            .Select(s =>
                (
                    s.Name,
                    Cert: Path.Combine(pki, s.Base + ".crt"),
                    Key: Path.Combine(pki, s.Base + ".key"),
                    Ca: s.CaBase!,
                    s.Server,
                    s.Client
                )
            )
            .Concat(
                CertSpec.Kubeconfigs.Select(name =>
                {
                    var (cert, key) = Kubepki.ExtractClientPair(Path.Combine(kubeconfigDir, name), extractDir);
                    Assert.Equal(
                        File.ReadAllText(Path.Combine(pki, "ca.crt")),
                        Kubepki.DecodeField(Path.Combine(kubeconfigDir, name), "certificate-authority-data")
                    );
                    return (Name: name, Cert: cert, Key: key, Ca: "ca", Server: false, Client: true);
                })
            )
            .ToList();

        foreach (var ca in CertSpec.All.Where(s => s.IsCa))
        {
            var caFile = Path.Combine(pki, ca.Base + ".crt");
            Assert.True(
                OpensslVerify.Run(caFile, [caFile], atUnixSeconds: at)[caFile].Ok,
                $"{caFile} does not verify as a self-signed CA"
            );
            var signed = leaves.Where(l => l.Ca == ca.Base).ToList();
            Assert.NotEmpty(signed);
            var certs = signed.Select(l => l.Cert).ToList();
            foreach (var purpose in new[] { "sslserver", "sslclient" })
            {
                var verdicts = OpensslVerify.Run(caFile, certs, purpose, at);
                foreach (var leaf in signed)
                {
                    var allowed = purpose == "sslserver" ? leaf.Server : leaf.Client;
                    var verdict = verdicts[leaf.Cert];
                    Assert.True(
                        verdict.Ok == allowed,
                        $"{leaf.Name} -purpose {purpose}: expected {(allowed ? "OK" : "a failure")}, got: "
                            + $"{verdict.Messages}"
                    );
                    if (!allowed)
                    {
                        Assert.Contains("unsuitable certificate purpose", verdict.Messages);
                    }
                }
            }
            var unrelated = UnrelatedCa(caFile);
            foreach (var (cert, verdict) in OpensslVerify.Run(unrelated, certs, atUnixSeconds: at, strict: false))
            {
                Assert.False(verdict.Ok, $"{cert} verifies against the unrelated CA {unrelated}");
                Assert.Contains("unable to get local issuer certificate", verdict.Messages);
            }
        }

        var reads = new Dictionary<string, OpensslCert>();
        foreach (
            var (name, cert, key) in CertSpec
                .All.Select(s => (s.Name, Path.Combine(pki, s.Base + ".crt"), Path.Combine(pki, s.Base + ".key")))
                .Concat(
                    leaves
                        .Where(l => l.Name.EndsWith(".conf", StringComparison.Ordinal))
                        .Select(l => (l.Name, l.Cert, l.Key))
                )
        )
        {
            reads[name] = OpensslCert.Read(cert);
            var fromKey = ExternalTool.OpensslOk("pkey", "-in", key, "-pubout");
            Assert.StartsWith("-----BEGIN PUBLIC KEY-----", fromKey);
            Assert.True(fromKey == reads[name].PublicKeyPem, $"{key} is not the key of {cert}");
        }
        return reads;
    }

    /// <summary>Another CA of the same tree: ca → front-proxy-ca; front-proxy-ca → ca; etcd/ca → ca.</summary>
    private static string UnrelatedCa(string caPath)
    {
        var dir = Path.GetDirectoryName(caPath)!;
        return Path.GetFileName(dir) == "etcd"
            ? Path.GetFullPath(Path.Combine(dir, "..", "ca.crt"))
            : Path.Combine(dir, Path.GetFileName(caPath) == "ca.crt" ? "front-proxy-ca.crt" : "ca.crt");
    }

    private static void AssertEcdsaP256(OpensslCert cert, string keyPath)
    {
        Assert.Equal("id-ecPublicKey", cert.PublicKeyAlgorithm);
        Assert.Contains("ASN1 OID: prime256v1", cert.Text);
        Assert.Contains("NIST CURVE: P-256", cert.Text);
        Assert.Equal("ecdsa-with-SHA256", cert.SignatureAlgorithm);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----\n", File.ReadAllText(keyPath));
    }

    private static void AssertCa(OpensslCert cert, DateTimeOffset start)
    {
        Assert.Equal(cert.Subject, cert.Issuer);
        Assert.Equal(
            (true, "Digital Signature, Key Encipherment, Certificate Sign"),
            cert.Extension("X509v3 Key Usage")
        );
        Assert.Equal((true, "CA:TRUE"), cert.Extension("X509v3 Basic Constraints"));
        Assert.Null(cert.Extension("X509v3 Extended Key Usage"));
        Assert.Null(cert.Extension("X509v3 Authority Key Identifier"));
        Assert.False(cert.Extension("X509v3 Subject Key Identifier")!.Value.Critical);
        Assert.False(cert.Extension("X509v3 Subject Alternative Name")!.Value.Critical);
        Assert.Equal(start - TimeSpan.FromMinutes(5), cert.NotBefore);
        Assert.Equal(start + TimeSpan.FromHours(87600), cert.NotAfter);
    }

    private static void AssertLeaf(OpensslCert cert, OpensslCert ca, string eku, DateTimeOffset start)
    {
        Assert.Equal(ca.Subject, cert.Issuer);
        Assert.Equal((true, "Digital Signature, Key Encipherment"), cert.Extension("X509v3 Key Usage"));
        Assert.Equal((false, eku), cert.Extension("X509v3 Extended Key Usage"));
        Assert.Equal((true, "CA:FALSE"), cert.Extension("X509v3 Basic Constraints"));
        var aki = cert.Extension("X509v3 Authority Key Identifier");
        Assert.NotNull(aki);
        Assert.False(aki.Value.Critical);
        Assert.Equal(ca.Extension("X509v3 Subject Key Identifier")!.Value.Value, aki.Value.Value.Replace("keyid:", ""));
        Assert.Null(cert.Extension("X509v3 Subject Key Identifier"));
        Assert.Equal(start - TimeSpan.FromMinutes(5), cert.NotBefore);
        Assert.Equal(start + TimeSpan.FromHours(8760), cert.NotAfter);
    }
}
