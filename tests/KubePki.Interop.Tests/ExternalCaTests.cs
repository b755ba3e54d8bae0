using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using KubePki.Interop.Tests.Support;
using KubePki.Kubeconfig;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>A cluster in kubeadm's external CA mode, built the way an operator does it: <c>kubepki certs
/// generate-csr</c>
/// writes keys and CSRs, openssl acts as the external CA (its own CAs made with <c>openssl req -x509</c>, signing with
/// <c>openssl x509 -req</c> and adding the usages), the signed certs and CA certs are installed in the cert dir, the
/// signed client certs and the CA are embedded in the .conf files, and no CA key is ever in the cert dir. Node name
/// <c>etcd-node-1</c> and advertise address 127.0.0.1 match member 1 of <see cref="EtcdCluster"/>.</summary>
public sealed class ExternalCaFixture : IAsyncLifetime
{
    public const string NodeName = "etcd-node-1";

    /// <summary>Leaf base name → (CA base name, usage the CA adds), as in kubeadm's certificate list.</summary>
    public static readonly IReadOnlyDictionary<string, (string Ca, TlsUsage Usage)> Leaves = new Dictionary<
        string,
        (string, TlsUsage)
    >
    {
        ["apiserver"] = ("ca", TlsUsage.Server),
        ["apiserver-kubelet-client"] = ("ca", TlsUsage.Client),
        ["front-proxy-client"] = ("front-proxy-ca", TlsUsage.Client),
        ["etcd/server"] = ("etcd/ca", TlsUsage.ServerAndClient),
        ["etcd/peer"] = ("etcd/ca", TlsUsage.ServerAndClient),
        ["etcd/healthcheck-client"] = ("etcd/ca", TlsUsage.Client),
        ["apiserver-etcd-client"] = ("etcd/ca", TlsUsage.Client),
    };

    public static readonly string[] Kubeconfigs =
    [
        "admin.conf",
        "super-admin.conf",
        "kubelet.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ];

    private readonly TempDir _root = new("interop-external-ca");

    public string Dir => _root.Combine("cluster");

    public string Pki => _root.Combine("cluster", "pki");

    public string Config { get; private set; } = "";

    /// <summary>Outside the cluster dir: where the external CA keeps its keys.</summary>
    public string ExternalCaDir => _root.Combine("external-ca");

    public string GenerateCsrOutput { get; private set; } = "";

    /// <summary>Every CSR as openssl read it right after <c>generate-csr</c>, by file path relative to <see
    /// cref="Dir"/>.</summary>
    public IReadOnlyDictionary<string, OpensslCsr> Csrs { get; private set; } = null!;

    /// <summary>POSIX modes of the files generate-csr wrote, by path relative to <see cref="Dir"/>.</summary>
    public IReadOnlyDictionary<string, UnixFileMode> GeneratedModes { get; private set; } = null!;

    /// <summary>Key files (relative to <see cref="Dir"/>) and the kubeconfig client keys, with the public key openssl
    /// derives.</summary>
    public IReadOnlyDictionary<string, string> GeneratedPublicKeys { get; private set; } = null!;

    public TestApiEndpoint Endpoint { get; } = new(IPAddress.Loopback);

    public string SnapshotBeforeCommands { get; private set; } = "";

    public Task InitializeAsync()
    {
        // The external CAs first, so that every later clock reads a time at or after their NotBefore.
        var cas = new Dictionary<string, OpensslCa>
        {
            ["ca"] = OpensslCa.Create(ExternalCaDir, "ca", "kubernetes"),
            ["front-proxy-ca"] = OpensslCa.Create(ExternalCaDir, "front-proxy-ca", "front-proxy-ca"),
            ["etcd/ca"] = OpensslCa.Create(ExternalCaDir, "etcd-ca", "etcd-ca"),
        };
        Config = Kubepki.WriteConfig(
            _root.Path,
            $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {NodeName}
            localAPIEndpoint:
              advertiseAddress: 127.0.0.1
              bindPort: {Endpoint.Port}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: ECDSA-P256
            """
        );
        Directory.CreateDirectory(Dir);
        GenerateCsrOutput = Kubepki.Run(
            Kubepki.NowClock(),
            "certs",
            "generate-csr",
            "--cert-dir",
            Pki,
            "--kubeconfig-dir",
            Dir,
            "--config",
            Config
        );

        var csrFiles = Leaves
            .Keys.Select(b => Path.Combine("pki", b + ".csr"))
            .Concat(Kubeconfigs.Select(k => k + ".csr"))
            .ToList();
        Csrs = csrFiles.ToDictionary(f => f, f => OpensslCsr.Read(Path.Combine(Dir, f)));
        GeneratedModes = Directory
            .EnumerateFiles(Dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Dir, f), File.GetUnixFileMode);
        var keys = new Dictionary<string, string>();
        foreach (var leaf in Leaves.Keys)
        {
            keys[Path.Combine("pki", leaf + ".key")] = OpensslCsr.PublicKeyOf(Path.Combine(Pki, leaf + ".key"));
        }

        // openssl signs every CSR with the usages kubeadm's certs carry; the results go into the cert dir.
        foreach (var (leaf, (ca, usage)) in Leaves)
        {
            cas[ca].Sign(Path.Combine(Pki, leaf + ".csr"), Path.Combine(Pki, leaf + ".crt"), usage);
        }
        foreach (var (ca, external) in cas)
        {
            File.Copy(external.CertPath, Path.Combine(Pki, ca + ".crt"));
        }
        // The operator provides the service-account key pair too: kubeadm's external-CA check requires it.
        var saKey = Path.Combine(Pki, "sa.key");
        ExternalTool.OpensslOk("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", saKey);
        ExternalTool.OpensslOk("pkey", "-in", saKey, "-pubout", "-out", Path.Combine(Pki, "sa.pub"));
        File.SetUnixFileMode(saKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var caPem = File.ReadAllText(cas["ca"].CertPath);
        foreach (var name in Kubeconfigs)
        {
            var path = Path.Combine(Dir, name);
            var signed = cas["ca"]
                .Sign(path + ".csr", Path.Combine(ExternalCaDir, "signed", name + ".crt"), TlsUsage.Client);
            var kubeconfig = KubeconfigFile.Parse(File.ReadAllText(path), path);
            var keyPem =
                kubeconfig.ClientKeyPem ?? throw new InvalidOperationException($"{path} has no client-key-data");
            var keyFile = Path.Combine(ExternalCaDir, "keys", name + ".key");
            Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
            File.WriteAllText(keyFile, keyPem);
            keys[name] = OpensslCsr.PublicKeyOf(keyFile);
            kubeconfig.SetClientCredentials(File.ReadAllText(signed), keyPem);
            kubeconfig.SetCertificateAuthority(caPem);
            File.WriteAllText(path, kubeconfig.Serialize());
        }
        GeneratedPublicKeys = keys;
        SnapshotBeforeCommands = TreeSnapshot.Of(Dir);

        Endpoint.Start(
            Path.Combine(Pki, "apiserver.crt"),
            Path.Combine(Pki, "apiserver.key"),
            Path.Combine(Pki, "ca.crt")
        );
        return Task.CompletedTask;
    }

    public string Run(params string[] args) => Kubepki.Run(Kubepki.NowClock(), args);

    /// <summary>A command on this cluster's cert dir, kubeconfig dir and config.</summary>
    public string RunOnCluster(params string[] command) =>
        Run([.. command, "--cert-dir", Pki, "--kubeconfig-dir", Dir, "--config", Config]);

    /// <summary><c>init phase certs all</c> on this cluster (the phase takes no kubeconfig dir).</summary>
    public string InitPhaseCertsAll() => Run("init", "phase", "certs", "all", "--cert-dir", Pki, "--config", Config);

    public async Task DisposeAsync()
    {
        await Endpoint.DisposeAsync();
        _root.Dispose();
    }
}

/// <summary>External CA mode end to end, judged by openssl (CSRs, signatures, chains), by kubepki's own external-CA
/// detection (check-expiration, renew, init phase certs) and by etcd 3.4 and kubectl 1.32 using the signed certs.
/// In the etcd collection because one test starts an etcd member on 127.0.0.1.</summary>
[Collection(EtcdCollection.Name)]
public sealed class ExternalCaTests(ExternalCaFixture fixture) : IClassFixture<ExternalCaFixture>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>kubeadm's subjects and SANs for node etcd-node-1, advertise address 127.0.0.1, default networking
    /// (DNS names sorted, then IPs in insertion order).</summary>
    private static readonly Dictionary<string, (string Subject, string[] Sans)> Expected = new()
    {
        ["pki/apiserver.csr"] = (
            "CN = kube-apiserver",
            [
                "DNS:etcd-node-1",
                "DNS:kubernetes",
                "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc",
                "DNS:kubernetes.default.svc.cluster.local",
                "IP Address:10.96.0.1",
                "IP Address:127.0.0.1",
            ]
        ),
        ["pki/apiserver-kubelet-client.csr"] = ("O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client", []),
        ["pki/front-proxy-client.csr"] = ("CN = front-proxy-client", []),
        ["pki/etcd/server.csr"] = (
            "CN = etcd-node-1",
            ["DNS:etcd-node-1", "DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"]
        ),
        ["pki/etcd/peer.csr"] = (
            "CN = etcd-node-1",
            ["DNS:etcd-node-1", "DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"]
        ),
        ["pki/etcd/healthcheck-client.csr"] = ("CN = kube-etcd-healthcheck-client", []),
        ["pki/apiserver-etcd-client.csr"] = ("CN = kube-apiserver-etcd-client", []),
        ["admin.conf.csr"] = ("O = kubeadm:cluster-admins, CN = kubernetes-admin", []),
        ["super-admin.conf.csr"] = ("O = system:masters, CN = kubernetes-super-admin", []),
        ["kubelet.conf.csr"] = ("O = system:nodes, CN = system:node:etcd-node-1", []),
        ["controller-manager.conf.csr"] = ("CN = system:kube-controller-manager", []),
        ["scheduler.conf.csr"] = ("CN = system:kube-scheduler", []),
    };

    [Fact]
    public void Generate_csr_writes_self_verifying_csrs_with_kubeadms_subjects_and_sans_and_no_usage_requests()
    {
        Assert.Equal(Expected.Keys.Order(), fixture.Csrs.Keys.Order());
        foreach (var (file, csr) in fixture.Csrs)
        {
            Assert.True(csr.SignatureVerified, $"{file}: openssl req -verify did not say OK:\n{csr.Text}");
            Assert.Equal(Expected[file].Subject, csr.Subject);
            Assert.Equal(Expected[file].Sans, csr.Sans);
            // Subject and SANs only: the external CA decides the usages.
            var requested = csr.RequestedExtensions.Keys.Where(k => k != "X509v3 Subject Alternative Name").ToList();
            Assert.True(requested.Count == 0, $"{file} requests {string.Join(", ", requested)}");
            Assert.DoesNotContain("Extended Key Usage", csr.Text);
            Assert.StartsWith(
                "-----BEGIN CERTIFICATE REQUEST-----\n",
                File.ReadAllText(Path.Combine(fixture.Dir, file))
            );
            Assert.Equal(Private, fixture.GeneratedModes[file]);
        }

        // Each CSR is signed by the key written next to it (leaf .key files, kubeconfig client-key-data).
        foreach (var (keyFile, publicKey) in fixture.GeneratedPublicKeys)
        {
            var csrFile = keyFile.EndsWith(".key", StringComparison.Ordinal)
                ? keyFile[..^4] + ".csr"
                : keyFile + ".csr";
            Assert.Equal(publicKey, fixture.Csrs[csrFile].PublicKeyPem);
            if (keyFile.EndsWith(".key", StringComparison.Ordinal))
            {
                Assert.Equal(Private, fixture.GeneratedModes[keyFile]);
            }
        }
        foreach (var name in ExternalCaFixture.Kubeconfigs)
        {
            Assert.Equal(Private, fixture.GeneratedModes[name]);
        }
    }

    [Fact]
    public void The_signed_tree_has_no_ca_key_and_every_signed_cert_chains_to_its_external_ca_for_its_purpose()
    {
        foreach (var ca in new[] { "ca", "front-proxy-ca", "etcd/ca" })
        {
            Assert.True(File.Exists(Path.Combine(fixture.Pki, ca + ".crt")), ca + ".crt");
            Assert.False(File.Exists(Path.Combine(fixture.Pki, ca + ".key")), ca + ".key must not be in the cert dir");
        }
        foreach (var (leaf, (ca, usage)) in ExternalCaFixture.Leaves)
        {
            var cert = Path.Combine(fixture.Pki, leaf + ".crt");
            var caFile = Path.Combine(fixture.Pki, ca + ".crt");
            foreach (var purpose in Purposes(usage))
            {
                var verdict = OpensslVerify.Run(caFile, [cert], purpose)[cert];
                Assert.True(verdict.Ok, $"{leaf} for {purpose}: {verdict.Messages}");
            }
            var read = OpensslCert.Read(cert);
            Assert.Equal(Expected[Path.Combine("pki", leaf + ".csr")].Sans, read.Sans);
            Assert.Equal("CA:FALSE", read.Extension("X509v3 Basic Constraints")?.Value);
        }
    }

    [Fact]
    public void Check_expiration_shows_every_certificate_and_ca_as_externally_managed()
    {
        var output = fixture.RunOnCluster("certs", "check-expiration");

        var rows = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        var certNames = new[]
        {
            "admin.conf",
            "apiserver",
            "apiserver-etcd-client",
            "apiserver-kubelet-client",
            "controller-manager.conf",
            "etcd-healthcheck-client",
            "etcd-peer",
            "etcd-server",
            "front-proxy-client",
            "scheduler.conf",
            "super-admin.conf",
        };
        var caNames = new[] { "ca", "etcd-ca", "front-proxy-ca" };
        Assert.DoesNotContain("MISSING", output);
        foreach (var name in certNames.Concat(caNames))
        {
            var row = rows.Where(r => r.StartsWith(name + " ", StringComparison.Ordinal)).ToList();
            Assert.True(row.Count >= 1, $"no row for {name}:\n{output}");
            Assert.All(
                row,
                r =>
                    Assert.True(
                        r.EndsWith(" yes", StringComparison.Ordinal),
                        $"{name} is not externally managed:\n{output}"
                    )
            );
        }
        var data = rows.Where(r => Regex.IsMatch(r, @"UTC\s")).ToList();
        Assert.Equal(certNames.Length + caNames.Length, data.Count);
        Assert.All(data, r => Assert.EndsWith(" yes", r));

        var json = fixture.RunOnCluster("certs", "check-expiration", "-o", "json");
        using var document = JsonDocument.Parse(json);
        var certificates = document.RootElement.GetProperty("certificates").EnumerateArray().ToList();
        var authorities = document.RootElement.GetProperty("certificateAuthorities").EnumerateArray().ToList();
        Assert.Equal(certNames, certificates.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(caNames, authorities.Select(c => c.GetProperty("name").GetString()));
        Assert.All(
            certificates.Concat(authorities),
            c =>
            {
                Assert.True(c.GetProperty("externallyManaged").GetBoolean(), c.ToString());
                Assert.False(c.GetProperty("missing").GetBoolean(), c.ToString());
            }
        );
        Assert.Equal(fixture.SnapshotBeforeCommands, TreeSnapshot.Of(fixture.Dir));
    }

    [Fact]
    public void Renew_all_detects_the_external_cas_and_changes_nothing()
    {
        var output = fixture.RunOnCluster("certs", "renew", "all");

        var detected = output
            .Split('\n')
            .Where(l => l.StartsWith("Detected external ", StringComparison.Ordinal))
            .ToList();
        Assert.True(detected.Count == 11, $"expected 11 'Detected external' lines:\n{output}");
        Assert.All(detected, l => Assert.EndsWith(" can't be renewed", l));
        Assert.Equal(6, detected.Count(l => l.StartsWith("Detected external ca, ", StringComparison.Ordinal)));
        Assert.Equal(4, detected.Count(l => l.StartsWith("Detected external etcd/ca, ", StringComparison.Ordinal)));
        Assert.Equal(
            1,
            detected.Count(l => l.StartsWith("Detected external front-proxy-ca, ", StringComparison.Ordinal))
        );
        Assert.Contains("Detected external ca, certificate for serving the Kubernetes API can't be renewed", detected);
        Assert.DoesNotContain(" renewed\n", output.Replace("can't be renewed\n", ""));
        Assert.Equal(fixture.SnapshotBeforeCommands, TreeSnapshot.Of(fixture.Dir));
    }

    [Fact]
    public void Init_phase_certs_all_reuses_the_keyless_cas_and_the_signed_certs_and_changes_nothing()
    {
        var output = fixture.InitPhaseCertsAll();

        Assert.Contains("[certs] Using existing ca keyless certificate authority", output);
        Assert.Contains("[certs] Using existing front-proxy-ca keyless certificate authority", output);
        foreach (
            var leaf in new[] { "apiserver", "apiserver-kubelet-client", "front-proxy-client", "apiserver-etcd-client" }
        )
        {
            Assert.Contains($"[certs] Using existing {leaf} certificate and key on disk", output);
        }
        Assert.Contains("[certs] Using existing sa keys", output);
        Assert.DoesNotContain("Generating", output);
        Assert.Equal(fixture.SnapshotBeforeCommands, TreeSnapshot.Of(fixture.Dir));
    }

    /// <summary>kubeadm's runCAPhase/runCertPhase print the BASE name (<c>etcd/ca</c>, <c>etcd/server</c>), e.g.
    /// "[certs] Using existing etcd/ca keyless certificate authority" in kubeadm's own logs.</summary>
    [Fact]
    public void Init_phase_certs_all_names_the_etcd_ca_and_certs_by_base_name_as_kubeadm_prints_them()
    {
        var output = fixture.InitPhaseCertsAll();

        Assert.Contains("[certs] Using existing etcd/ca keyless certificate authority", output);
        foreach (var leaf in new[] { "etcd/server", "etcd/peer", "etcd/healthcheck-client" })
        {
            Assert.Contains($"[certs] Using existing {leaf} certificate and key on disk", output);
        }
    }

    [Fact]
    public async Task Signed_etcd_certs_work_with_a_real_etcd_member()
    {
        await using var cluster = EtcdCluster.Create(Kubepki.NowClock(), size: 1);
        var member = cluster.Members.Single();
        Assert.Equal((ExternalCaFixture.NodeName, "127.0.0.1"), (member.Name, member.Ip));
        // Replace every file the harness made with the externally signed ones; no etcd CA key anywhere.
        var memberEtcd = Path.Combine(member.CertDir, "etcd");
        var sharedEtcd = Path.Combine(cluster.SharedCertDir, "etcd");
        File.Delete(Path.Combine(memberEtcd, "ca.key"));
        File.Delete(Path.Combine(sharedEtcd, "ca.key"));
        foreach (var file in new[] { "ca.crt", "server.crt", "server.key", "peer.crt", "peer.key" })
        {
            File.Copy(Path.Combine(fixture.Pki, "etcd", file), Path.Combine(memberEtcd, file), overwrite: true);
        }
        foreach (
            var file in new[]
            {
                "etcd/ca.crt",
                "etcd/healthcheck-client.crt",
                "etcd/healthcheck-client.key",
                "apiserver-etcd-client.crt",
                "apiserver-etcd-client.key",
            }
        )
        {
            File.Copy(Path.Combine(fixture.Pki, file), Path.Combine(cluster.SharedCertDir, file), overwrite: true);
        }

        await cluster.StartAsync(TimeSpan.FromSeconds(20));

        foreach (var client in new[] { "etcd/healthcheck-client", "apiserver-etcd-client" })
        {
            var pair = cluster.SharedClient(client);
            var health = cluster.Etcdctl(pair, "endpoint", "health");
            Assert.True(health.ExitCode == 0, $"{client}: {health.All}");
            var value = Guid.NewGuid().ToString("N");
            Assert.Equal(0, cluster.Etcdctl(pair, "put", "/kubepki/external-ca/" + client, value).ExitCode);
            Assert.Equal(
                value,
                cluster.Etcdctl(pair, "get", "/kubepki/external-ca/" + client, "--print-value-only").Out.Trim()
            );
        }
        var healthcheck = cluster.SharedClient("etcd/healthcheck-client");
        var served = Path.Combine(cluster.Root, "served.crt");
        File.WriteAllText(
            served,
            TlsProbe.ServedPem(member.Ip, member.ClientPort, healthcheck.CaCert, healthcheck.Cert, healthcheck.Key)
        );
        Assert.Equal(TlsProbe.Identity(Path.Combine(fixture.Pki, "etcd", "server.crt")), TlsProbe.Identity(served));
        Assert.DoesNotContain(
            member.LogLines,
            l => l.Contains("x509", StringComparison.OrdinalIgnoreCase) || l.Contains("rejected connection")
        );
    }

    [Theory]
    [InlineData("admin.conf", "kubernetes-admin", new[] { "kubeadm:cluster-admins" })]
    [InlineData("super-admin.conf", "kubernetes-super-admin", new[] { "system:masters" })]
    [InlineData("kubelet.conf", "system:node:etcd-node-1", new[] { "system:nodes" })]
    [InlineData("controller-manager.conf", "system:kube-controller-manager", new string[0])]
    [InlineData("scheduler.conf", "system:kube-scheduler", new string[0])]
    public void Signed_kubeconfigs_reach_the_endpoint_serving_the_signed_apiserver_cert(
        string name,
        string commonName,
        string[] organizations
    )
    {
        using var kubectl = new KubectlRunner();
        var before = fixture.Endpoint.Requests.Count;
        var refusedBefore = fixture.Endpoint.Refusals.Count;

        var result = kubectl.Healthz(Path.Combine(fixture.Dir, name));

        Assert.True(result.ExitCode == 0, $"kubectl --kubeconfig {name} get --raw /healthz: {result.All}");
        Assert.Equal("ok", result.Out.Trim());
        var seen = fixture.Endpoint.Requests.Skip(before).ToList();
        Assert.Contains(seen, r => r.Path == "/healthz");
        Assert.All(
            seen,
            r =>
            {
                Assert.Equal(commonName, r.CommonName);
                Assert.Equal(organizations, r.Organizations);
            }
        );
        Assert.Equal(refusedBefore, fixture.Endpoint.Refusals.Count);
    }

    private static IEnumerable<string> Purposes(TlsUsage usage) =>
        usage switch
        {
            TlsUsage.Server => ["sslserver"],
            TlsUsage.ServerAndClient => ["sslserver", "sslclient"],
            _ => ["sslclient"],
        };
}
