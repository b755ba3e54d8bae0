using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using KubePki.ControlPlane;
using KubePki.Crypto;
using KubePki.Files;
using KubePki.Storage;

namespace KubePki.Agent;

/// <summary>One look at the stacked etcd cluster from this node, with this node's etcd health-check client
/// certificate (as etcd's own liveness probe would be judged): the member list through the local member's client URL,
/// then each member's /health over its own client URLs. A control-plane node without a member is a missing
/// member: restarting a second member of three loses quorum, so any of these holds every restart.</summary>
internal sealed class EtcdCluster(string certDir, string manifestPath, TimeSpan timeout)
{
    /// <summary>Null when every member named in <paramref name="controlPlaneNodes"/> is in the member list and
    /// healthy; otherwise why not, e.g. <c>etcd member n2 unhealthy</c>. Only for a stacked etcd (the cluster's
    /// configuration says etcd.local): there, a node without its etcd manifest has its member down.</summary>
    public async Task<string?> ProblemAsync(
        IReadOnlyList<string> controlPlaneNodes,
        CancellationToken cancellationToken
    )
    {
        if (DiskFileStore.Instance.Inspect(manifestPath, followLinks: true) is null)
        {
            return $"etcd is not running on this node: no {manifestPath}";
        }
        var manifest = StaticPodManifest.Load(manifestPath);
        var local = (manifest.Flag("--advertise-client-urls") ?? manifest.Flag("--listen-client-urls"))
            ?.Split(',')
            .FirstOrDefault(u => u.StartsWith("https://", StringComparison.Ordinal));
        if (local is null)
        {
            return $"{manifestPath}: etcd has no https client URL to ask";
        }
        using var client = Client();
        JsonArray members;
        try
        {
            using var response = await client
                .PostAsync(
                    $"{local.TrimEnd('/')}/v3/cluster/member/list",
                    new StringContent("{}", Encoding.UTF8, "application/json"),
                    cancellationToken
                )
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            members =
                response.IsSuccessStatusCode && JsonNode.Parse(body)?["members"] is JsonArray list
                    ? list
                    : throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return $"etcd member list unavailable from {local}: {Reason(e)}";
        }
        var byName = members
            .OfType<JsonObject>()
            .Where(m => m["name"] is not null)
            .ToDictionary(m => (string)m["name"]!, StringComparer.Ordinal);
        foreach (var node in controlPlaneNodes)
        {
            if (!byName.ContainsKey(node))
            {
                return $"etcd member {node} missing";
            }
        }
        foreach (var (name, member) in byName.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var urls = member["clientURLs"] is JsonArray array ? array.Select(u => (string?)u).OfType<string>() : [];
            if (!urls.Any())
            {
                return $"etcd member {name} has not started";
            }
            if (!await HealthyAsync(client, urls.First(), cancellationToken).ConfigureAwait(false))
            {
                return $"etcd member {name} unhealthy";
            }
        }
        return null;
    }

    private static async Task<bool> HealthyAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        try
        {
            var body = await client
                .GetStringAsync($"{url.TrimEnd('/')}/health", cancellationToken)
                .ConfigureAwait(false);
            return (string?)JsonNode.Parse(body)?["health"] == "true";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Reason(Exception e) => e is TaskCanceledException ? "timed out" : e.Message;

    private HttpClient Client()
    {
        var caPath = Path.Combine(certDir, "etcd", "ca.crt");
        var ca = PemCodec.DecodeCertificates(Encoding.ASCII.GetString(SafeFileReader.Read(caPath, 1 << 20)), caPath)[0];
        var certificate = X509Certificate2.CreateFromPemFile(
            Path.Combine(certDir, "etcd", "healthcheck-client.crt"),
            Path.Combine(certDir, "etcd", "healthcheck-client.key")
        );
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates =
                [
                    X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null),
                ],
                RemoteCertificateValidationCallback = (_, presented, _, _) => Trusted(presented, ca),
            },
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    private static bool Trusted(X509Certificate? presented, X509Certificate2 ca)
    {
        if (presented is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }
}
