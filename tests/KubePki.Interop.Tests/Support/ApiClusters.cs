using System.Net;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>One generated cluster (certs + the five kubeconfigs, advertise address 127.0.0.1) whose apiserver cert is
/// served by a <see cref="TestApiEndpoint"/> on the port the kubeconfigs name.</summary>
public sealed class ApiCluster : IAsyncDisposable
{
    private readonly TempDir _dir;

    private ApiCluster(string label, string nodeName, TempDir dir, TestApiEndpoint endpoint)
    {
        Label = label;
        NodeName = nodeName;
        _dir = dir;
        Endpoint = endpoint;
    }

    public string Label { get; }

    public string NodeName { get; }

    public string Dir => _dir.Path;

    public string Pki => _dir.Combine("pki");

    public TestApiEndpoint Endpoint { get; }

    public string Kubeconfig(string name) => _dir.Combine(name);

    /// <summary>RSA-2048 (the default), configured by flags only.</summary>
    public static ApiCluster CreateRsaByFlags(TimeProvider clock, string nodeName)
    {
        var dir = new TempDir("interop-api-rsa");
        var endpoint = new TestApiEndpoint(IPAddress.Loopback);
        var pki = dir.Combine("pki");
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "certs",
            "all",
            "--cert-dir",
            pki,
            "--apiserver-advertise-address",
            "127.0.0.1"
        );
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "kubeconfig",
            "all",
            "--cert-dir",
            pki,
            "--kubeconfig-dir",
            dir.Path,
            "--apiserver-advertise-address",
            "127.0.0.1",
            "--apiserver-bind-port",
            endpoint.Port.ToString(),
            "--node-name",
            nodeName
        );
        return new ApiCluster("RSA-2048", nodeName, dir, endpoint);
    }

    /// <summary>ECDSA-P256, configured by a v1beta4 config file (node name, advertise address and bind port in
    /// InitConfiguration).</summary>
    public static ApiCluster CreateEcdsaByConfig(TimeProvider clock, string nodeName, int? port = null)
    {
        var dir = new TempDir("interop-api-ecdsa");
        var endpoint = new TestApiEndpoint(IPAddress.Loopback);
        var config = Kubepki.WriteConfig(
            dir.Path,
            $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {nodeName}
            localAPIEndpoint:
              advertiseAddress: 127.0.0.1
              bindPort: {port ?? endpoint.Port}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: ECDSA-P256
            """
        );
        var pki = dir.Combine("pki");
        Kubepki.InitPhases(clock, pki, dir.Path, "--config", config);
        return new ApiCluster("ECDSA-P256", nodeName, dir, endpoint);
    }

    /// <summary>Serves this cluster's apiserver.crt/key and requires client certs signed by its ca.crt.</summary>
    public ApiCluster Serve()
    {
        Endpoint.Start(
            Path.Combine(Pki, "apiserver.crt"),
            Path.Combine(Pki, "apiserver.key"),
            Path.Combine(Pki, "ca.crt")
        );
        return this;
    }

    /// <summary>The CN and O values each kubeconfig's client cert must carry (kubeadm v1.29+).</summary>
    public IReadOnlyDictionary<string, (string Cn, string[] Orgs)> ExpectedIdentities =>
        new Dictionary<string, (string, string[])>
        {
            ["admin.conf"] = ("kubernetes-admin", ["kubeadm:cluster-admins"]),
            ["super-admin.conf"] = ("kubernetes-super-admin", ["system:masters"]),
            ["controller-manager.conf"] = ("system:kube-controller-manager", []),
            ["scheduler.conf"] = ("system:kube-scheduler", []),
            ["kubelet.conf"] = ($"system:node:{NodeName}", ["system:nodes"]),
        };

    public async ValueTask DisposeAsync()
    {
        await Endpoint.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Two served clusters (RSA by flags, ECDSA by config) plus a foreign cluster whose kubeconfigs name the RSA
/// cluster's endpoint but whose CA is unrelated. Shared by the kubectl and KubernetesClient tests.</summary>
public sealed class ApiClustersFixture : IAsyncLifetime
{
    public ApiCluster Rsa { get; private set; } = null!;

    public ApiCluster Ecdsa { get; private set; } = null!;

    public ApiCluster Foreign { get; private set; } = null!;

    public IEnumerable<ApiCluster> Served => [Rsa, Ecdsa];

    public Task InitializeAsync()
    {
        var clock = Kubepki.NowClock();
        Rsa = ApiCluster.CreateRsaByFlags(clock, "rsa-node-1").Serve();
        Ecdsa = ApiCluster.CreateEcdsaByConfig(clock, "ecdsa-node-1").Serve();
        Foreign = ApiCluster.CreateEcdsaByConfig(clock, "foreign-node", Rsa.Endpoint.Port);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Rsa.DisposeAsync();
        await Ecdsa.DisposeAsync();
        await Foreign.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiEndpointCollection : ICollectionFixture<ApiClustersFixture>
{
    public const string Name = "test API endpoint";
}
