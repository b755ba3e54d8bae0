using KubePki.Interop.Tests.Support;
using KubePki.Kubeconfig;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>Two clusters renewed with <c>kubepki certs renew all</c> BEFORE their apiserver cert is served by a
/// <see cref="TestApiEndpoint"/>: one as is, one after its CA was replaced. Copies of the files as they were before the
/// renewal are kept to compare with.</summary>
public sealed class RenewedApiClustersFixture : IAsyncLifetime
{
    public static readonly string[] ClientKubeconfigs =
    [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ];

    private readonly TempDir _before = new("interop-renewed-before");

    public ApiCluster Renewed { get; private set; } = null!;

    public string RenewOutput { get; private set; } = "";

    /// <summary>The cluster whose ca.crt/ca.key were replaced by a new CA before <c>renew all</c>.</summary>
    public ApiCluster CaChanged { get; private set; } = null!;

    /// <summary>A file of <see cref="Renewed"/> or <see cref="CaChanged"/> as it was before the renewal.</summary>
    public string Before(ApiCluster cluster, string relativePath) =>
        Path.Combine(_before.Path, cluster == Renewed ? "renewed" : "ca-changed", relativePath);

    public Task InitializeAsync()
    {
        var clock = Kubepki.NowClock();
        Renewed = ApiCluster.CreateEcdsaByConfig(clock, "renewed-node");
        CaChanged = ApiCluster.CreateEcdsaByConfig(clock, "ca-changed-node");
        Keep(Renewed, "renewed");
        Keep(CaChanged, "ca-changed");

        var renewClock = Kubepki.NowClock();
        RenewOutput = RenewAll(renewClock, Renewed);

        // Replace the CA (a new key and certificate), then renew: everything ca signs must move to the new CA.
        File.Delete(Path.Combine(CaChanged.Pki, "ca.crt"));
        File.Delete(Path.Combine(CaChanged.Pki, "ca.key"));
        Kubepki.Run(
            renewClock,
            "init",
            "phase",
            "certs",
            "ca",
            "--cert-dir",
            CaChanged.Pki,
            "--config",
            Config(CaChanged)
        );
        RenewAll(renewClock, CaChanged);

        Renewed.Serve();
        CaChanged.Serve();
        return Task.CompletedTask;
    }

    private static string Config(ApiCluster cluster) => Path.Combine(cluster.Dir, "kubeadm-config.yaml");

    private static string RenewAll(TimeProvider clock, ApiCluster cluster) =>
        Kubepki.Run(
            clock,
            "certs",
            "renew",
            "all",
            "--cert-dir",
            cluster.Pki,
            "--kubeconfig-dir",
            cluster.Dir,
            "--config",
            Config(cluster)
        );

    private void Keep(ApiCluster cluster, string label)
    {
        var target = Path.Combine(_before.Path, label);
        foreach (var file in ClientKubeconfigs.Append("kubelet.conf"))
        {
            Copy(Path.Combine(cluster.Dir, file), Path.Combine(target, file));
        }
        foreach (var file in new[] { "ca.crt", "apiserver.crt", "apiserver.key" })
        {
            Copy(Path.Combine(cluster.Pki, file), Path.Combine(target, "pki", file));
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    public async Task DisposeAsync()
    {
        await Renewed.DisposeAsync();
        await CaChanged.DisposeAsync();
        _before.Dispose();
    }
}

/// <summary>kubectl 1.32 as the judge of renewed kubeconfigs: each renewed
/// admin/super-admin/controller-manager/scheduler
/// .conf reaches an endpoint serving the renewed apiserver cert with its own identity; a kubeconfig from before the
/// renewal is still accepted (same CA); after a CA change the renewed kubeconfigs carry the new ca.crt.</summary>
public sealed class KubeconfigRenewalTests(RenewedApiClustersFixture fixture)
    : IClassFixture<RenewedApiClustersFixture>,
        IDisposable
{
    private readonly KubectlRunner _kubectl = new();
    private readonly TempDir _scratch = new("interop-kubeconfig-renewal");

    public static TheoryData<string> ClientKubeconfigs() => new(RenewedApiClustersFixture.ClientKubeconfigs);

    [Fact]
    public void Renew_all_replaces_the_apiserver_cert_and_every_embedded_client_cert_and_the_endpoint_serves_it()
    {
        var cluster = fixture.Renewed;
        var renewed = fixture
            .RenewOutput.Split('\n')
            .Where(l => l.EndsWith(" renewed", StringComparison.Ordinal))
            .ToList();
        Assert.True(renewed.Count == 11, $"expected 11 renewed items:\n{fixture.RenewOutput}");
        Assert.Contains("certificate for serving the Kubernetes API renewed", renewed);
        Assert.Contains("Done renewing certificates. You must restart the kube-apiserver", fixture.RenewOutput);

        var apiserver = Path.Combine(cluster.Pki, "apiserver.crt");
        Assert.NotEqual(TlsProbe.Identity(fixture.Before(cluster, "pki/apiserver.crt")), TlsProbe.Identity(apiserver));
        Assert.Equal(
            File.ReadAllText(fixture.Before(cluster, "pki/ca.crt")),
            File.ReadAllText(Path.Combine(cluster.Pki, "ca.crt"))
        );
        // kubelet.conf is the kubelet's business: never renewed.
        Assert.Equal(
            File.ReadAllBytes(fixture.Before(cluster, "kubelet.conf")),
            File.ReadAllBytes(cluster.Kubeconfig("kubelet.conf"))
        );

        var (cert, key) = Kubepki.ExtractClientPair(cluster.Kubeconfig("admin.conf"), _scratch.Combine("admin"));
        var served = TlsProbe.ServedIdentity(
            _scratch.Path,
            "127.0.0.1",
            cluster.Endpoint.Port,
            Path.Combine(cluster.Pki, "ca.crt"),
            cert,
            key
        );
        Assert.Equal(TlsProbe.Identity(apiserver), served);
    }

    [Theory]
    [MemberData(nameof(ClientKubeconfigs))]
    public void A_renewed_kubeconfig_reaches_the_endpoint_serving_the_renewed_apiserver_cert_with_its_identity(
        string name
    )
    {
        var cluster = fixture.Renewed;
        var path = cluster.Kubeconfig(name);
        var now = KubeconfigFile.Parse(File.ReadAllText(path), path);
        var old = KubeconfigFile.Parse(File.ReadAllText(fixture.Before(cluster, name)), name + " (before)");

        // Only the user's client cert and key changed; the same CA is embedded.
        Assert.Equal(old.Server, now.Server);
        Assert.Equal(old.CurrentContext, now.CurrentContext);
        Assert.Equal(old.CurrentUserName, now.CurrentUserName);
        Assert.Equal(old.CertificateAuthorityPem!.Trim(), now.CertificateAuthorityPem!.Trim());
        Assert.NotEqual(old.ClientCertificatePem, now.ClientCertificatePem);
        Assert.NotEqual(old.ClientKeyPem, now.ClientKeyPem);

        var (newCert, _) = Kubepki.ExtractClientPair(path, _scratch.Combine("new"));
        var (oldCert, _) = Kubepki.ExtractClientPair(fixture.Before(cluster, name), _scratch.Combine("old"));
        Assert.Equal(OpensslCert.Read(oldCert).Subject, OpensslCert.Read(newCert).Subject);
        var verdict = OpensslVerify.Run(Path.Combine(cluster.Pki, "ca.crt"), [newCert], "sslclient")[newCert];
        Assert.True(verdict.Ok, verdict.Messages);

        var seenBefore = cluster.Endpoint.Requests.Count;
        var refusedBefore = cluster.Endpoint.Refusals.Count;
        var result = _kubectl.Healthz(path);
        Assert.True(result.ExitCode == 0, $"kubectl --kubeconfig {name} get --raw /healthz: {result.All}");
        Assert.Equal("ok", result.Out.Trim());
        var seen = cluster.Endpoint.Requests.Skip(seenBefore).ToList();
        Assert.Contains(seen, r => r.Path == "/healthz");
        var (cn, orgs) = cluster.ExpectedIdentities[name];
        Assert.All(
            seen,
            r =>
            {
                Assert.Equal(cn, r.CommonName);
                Assert.Equal(orgs, r.Organizations);
            }
        );
        Assert.Equal(refusedBefore, cluster.Endpoint.Refusals.Count);
    }

    [Fact]
    public void The_admin_conf_from_before_the_renewal_is_from_the_same_ca_and_still_accepted()
    {
        var cluster = fixture.Renewed;
        var oldAdmin = fixture.Before(cluster, "admin.conf");
        var (oldCert, _) = Kubepki.ExtractClientPair(oldAdmin, _scratch.Combine("old-admin"));
        var verdict = OpensslVerify.Run(Path.Combine(cluster.Pki, "ca.crt"), [oldCert], "sslclient")[oldCert];
        Assert.True(verdict.Ok, verdict.Messages);

        var result = _kubectl.Healthz(oldAdmin);
        Assert.True(result.ExitCode == 0, $"kubectl with the admin.conf from before the renewal: {result.All}");
        Assert.Equal("ok", result.Out.Trim());
    }

    [Fact]
    public void Kubeconfigs_renewed_after_a_ca_change_embed_the_current_ca_and_work_with_the_reissued_apiserver_cert()
    {
        var cluster = fixture.CaChanged;
        var caFile = Path.Combine(cluster.Pki, "ca.crt");
        var ca = File.ReadAllText(caFile).Trim();
        var oldCa = File.ReadAllText(fixture.Before(cluster, "pki/ca.crt")).Trim();
        Assert.NotEqual(oldCa, ca);

        foreach (var name in RenewedApiClustersFixture.ClientKubeconfigs)
        {
            var path = cluster.Kubeconfig(name);
            var file = KubeconfigFile.Parse(File.ReadAllText(path), path);
            Assert.Equal(ca, file.CertificateAuthorityPem!.Trim());
            var (cert, _) = Kubepki.ExtractClientPair(path, _scratch.Combine("ca-changed", name));
            var verdicts = OpensslVerify.Run(caFile, [cert], "sslclient");
            Assert.True(verdicts[cert].Ok, $"{name}: {verdicts[cert].Messages}");
            Assert.False(
                OpensslVerify.Run(fixture.Before(cluster, "pki/ca.crt"), [cert], "sslclient")[cert].Ok,
                $"{name} still chains to the old CA"
            );

            var result = _kubectl.Healthz(path);
            Assert.True(result.ExitCode == 0, $"kubectl --kubeconfig {name} after the CA change: {result.All}");
        }

        var apiserver = Path.Combine(cluster.Pki, "apiserver.crt");
        var apiserverVerdict = OpensslVerify.Run(caFile, [apiserver], "sslserver")[apiserver];
        Assert.True(apiserverVerdict.Ok, apiserverVerdict.Messages);

        // The admin.conf from before the CA change trusts only the old CA: kubectl refuses the reissued serving cert.
        var stale = _kubectl.Healthz(fixture.Before(cluster, "admin.conf"));
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("certificate signed by unknown authority", stale.All);
    }

    public void Dispose()
    {
        _kubectl.Dispose();
        _scratch.Dispose();
    }
}
