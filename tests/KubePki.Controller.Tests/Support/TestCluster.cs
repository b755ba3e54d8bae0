using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using KubePki.Building;
using KubePki.Controller.Tests.Api;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Support;

/// <summary>A kubepki-made PKI (via the CLI, with fixture keys) and a test API server serving it on a free loopback
/// port, plus kubeconfigs for any user the tests need (admin, kubelets, the controller).</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(TempDir dir, TestApiServer server, CertificateAuthority ca)
    {
        Dir = dir;
        Server = server;
        Ca = ca;
    }

    public TempDir Dir { get; }

    public TestApiServer Server { get; }

    public CertificateAuthority Ca { get; }

    public string PkiDir => Dir.Combine("pki");

    public string AdminConf => Dir.Combine("admin.conf");

    public string CaCertFile => Path.Combine(PkiDir, "ca.crt");

    public string CaKeyFile => Path.Combine(PkiDir, "ca.key");

    public static async Task<TestCluster> StartAsync(ApiStore? store = null, TimeProvider? time = null)
    {
        var dir = new TempDir("kubepki-controller");
        var port = FreePort.On("127.0.0.1");
        var certDir = new[] { "--cert-dir", dir.Combine("pki") };
        var address = new[] { "--apiserver-advertise-address", "127.0.0.1" };
        Run(["init", "phase", "certs", "ca", .. certDir]);
        Run(["init", "phase", "certs", "apiserver", .. certDir, .. address]);
        Run([
            "init",
            "phase",
            "kubeconfig",
            "admin",
            "--kubeconfig-dir",
            dir.Path,
            "--apiserver-bind-port",
            port.ToString(),
            .. certDir,
            .. address,
        ]);
        var pki = dir.Combine("pki");
        var ca = new CertificateAuthority(
            PemCodec.DecodeCertificate(File.ReadAllText(Path.Combine(pki, "ca.crt")), "ca.crt"),
            PemCodec.DecodePrivateKey(File.ReadAllText(Path.Combine(pki, "ca.key")), "ca.key")
        );
        var serving = X509Certificate2.CreateFromPemFile(
            Path.Combine(pki, "apiserver.crt"),
            Path.Combine(pki, "apiserver.key")
        );
        var server = new TestApiServer(serving, ca.Certificate, port, store) { Time = time ?? TimeProvider.System };
        await server.StartAsync();
        return new TestCluster(dir, server, ca);
    }

    private static void Run(string[] args)
    {
        var result = CliRunner.Run(args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubepki {string.Join(' ', args)} failed: {result.All}");
        }
    }

    /// <summary>A kubeconfig file for CN=<paramref name="user"/>, O=<paramref name="groups"/>, signed by the cluster
    /// CA.</summary>
    public string KubeconfigFor(string user, params string[] groups)
    {
        var path = Dir.Combine($"{user.Replace(':', '_')}.{string.Join('+', groups).Replace(':', '_')}.conf");
        if (File.Exists(path))
        {
            return path;
        }
        using var key = PrivateKey.From(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var template = TemplateBuilder.ForClient(user, groups, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        using var certificate = Ca.Issue(template, key.PublicKey, out _);
        var text = KubeconfigFile
            .Create(
                "kubernetes",
                Server.Url,
                PemCodec.EncodeCertificate(Ca.Certificate),
                user,
                PemCodec.EncodeCertificate(certificate),
                key.ToPem()
            )
            .Serialize();
        File.WriteAllText(path, text);
        return path;
    }

    public IKubernetes ClientFor(string user, params string[] groups) =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigFor(user, groups)));

    public IKubernetes Admin() => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(AdminConf));

    public ExternalTool.Result Kubectl(params string[] args) =>
        ExternalTool.Run("kubectl", ["--kubeconfig", AdminConf, .. args], Dir.Path, TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Dir.Dispose();
    }
}
