using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubePki.Crypto;
using KubePki.Kubeconfig;

namespace KubePki.Cluster;

/// <summary>Reads the ClusterConfiguration kubeadm uploads to ConfigMap kube-system/kubeadm-config, and reads and
/// replaces other ConfigMaps (kube-public/cluster-info), with the credentials of a kubeconfig (client certificate or
/// token; CA data or file, one CA or a bundle). Plain HTTPS and JSON documents: no client library, nothing
/// reflection-based.</summary>
internal sealed class KubeadmConfigMapClient : IDisposable
{
    public const string Namespace = "kube-system";
    public const string Name = "kubeadm-config";
    public const string Key = "ClusterConfiguration";

    private readonly HttpClient _http;
    private readonly Uri _server;

    private KubeadmConfigMapClient(HttpClient http, Uri server)
    {
        _http = http;
        _server = server;
    }

    /// <summary>A client for the kubeconfig's current context, or null when the kubeconfig cannot be read or used
    /// (kubeadm then uses its defaults without a word). <paramref name="problem"/> says why.</summary>
    public static KubeadmConfigMapClient? FromKubeconfig(string path, TimeSpan timeout, out string? problem)
    {
        try
        {
            if (!File.Exists(path))
            {
                problem = $"{path} does not exist";
                return null;
            }
            var file = KubeconfigFile.Load(path);
            var server =
                file.Server is { } url
                && Uri.TryCreate(url, UriKind.Absolute, out var uri)
                && uri.Scheme == Uri.UriSchemeHttps
                    ? uri
                    : throw new KubePkiException(
                        $"{path}: the server of the current context is not an https URL",
                        KubePkiErrorKind.InvalidFile
                    );
            var caPem =
                file.CertificateAuthorityPem
                ?? (file.CertificateAuthorityPath is { } caPath ? File.ReadAllText(caPath) : null);
            var ca = caPem is null ? null : PemCodec.DecodeCertificates(caPem, $"{path} (certificate authority)");
            var handler = new SocketsHttpHandler
            {
                ConnectTimeout = timeout,
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        Trusted(certificate, errors, ca),
                },
            };
            if (ClientCertificate(file) is { } client)
            {
                handler.SslOptions.ClientCertificates = [client];
            }
            var http = new HttpClient(handler) { Timeout = timeout };
            if (file.Token is { } token)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                    "Bearer",
                    token
                );
            }
            problem = null;
            return new KubeadmConfigMapClient(http, server);
        }
        catch (Exception e)
            when (e is KubePkiException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>The ClusterConfiguration document. Throws <see cref="KubePkiException"/> saying what went
    /// wrong.</summary>
    public string FetchClusterConfiguration()
    {
        var uri = new Uri(_server, $"/api/v1/namespaces/{Namespace}/configmaps/{Name}");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = _http.Send(request);
            using var body = response.Content.ReadAsStream();
            if (!response.IsSuccessStatusCode)
            {
                throw new KubePkiException(
                    $"GET {uri}: {(int)response.StatusCode} {response.ReasonPhrase}",
                    KubePkiErrorKind.Api
                );
            }
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            return
                json.RootElement.TryGetProperty("data", out var data)
                && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty(Key, out var value)
                && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new KubePkiException(
                    $"ConfigMap {Namespace}/{Name} has no \"{Key}\" key",
                    KubePkiErrorKind.NotFound
                );
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            throw new KubePkiException($"GET {uri}: {e.Message}", KubePkiErrorKind.Api, e);
        }
    }

    /// <summary>A ConfigMap as JSON; null when it does not exist. Throws <see cref="KubePkiException"/> saying what
    /// went wrong.</summary>
    public JsonObject? GetConfigMap(string ns, string name)
    {
        var uri = new Uri(_server, $"/api/v1/namespaces/{ns}/configmaps/{name}");
        return Send(HttpMethod.Get, uri, null, allowNotFound: true) is { } body
            ? JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) as JsonObject
                ?? throw new KubePkiException($"GET {uri}: not a JSON object", KubePkiErrorKind.Api)
            : null;
    }

    /// <summary>The names of the cluster's Nodes (one list request; a cluster of many thousand nodes is one large
    /// answer, as <c>kubectl get nodes</c> reads it).</summary>
    public IReadOnlyList<string> NodeNames()
    {
        var uri = new Uri(_server, "/api/v1/nodes");
        var body = Send(HttpMethod.Get, uri, null, allowNotFound: false)!;
        var list = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        return list?["items"] is JsonArray items
            ? items
                .Select(i => i?["metadata"]?["name"] is JsonValue name ? name.GetValue<string>() : null)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : throw new KubePkiException($"GET {uri}: no \"items\" list", KubePkiErrorKind.Api);
    }

    /// <summary>Replaces a ConfigMap read by <see cref="GetConfigMap"/> (its resourceVersion kept, so a change made
    /// in between is refused with 409 rather than overwritten).</summary>
    public void ReplaceConfigMap(string ns, string name, JsonObject configMap)
    {
        var uri = new Uri(_server, $"/api/v1/namespaces/{ns}/configmaps/{name}");
        _ = Send(HttpMethod.Put, uri, configMap.ToJsonString(), allowNotFound: false);
    }

    private string? Send(HttpMethod method, Uri uri, string? json, bool allowNotFound)
    {
        try
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Accept.ParseAdd("application/json");
            if (json is not null)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }
            using var response = _http.Send(request);
            using var reader = new StreamReader(response.Content.ReadAsStream());
            var body = reader.ReadToEnd();
            if (allowNotFound && response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new KubePkiException(
                    $"{method} {uri}: {(int)response.StatusCode} {response.ReasonPhrase}",
                    KubePkiErrorKind.Api
                );
            }
            return body;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            throw new KubePkiException($"{method} {uri}: {e.Message}", KubePkiErrorKind.Api, e);
        }
    }

    public void Dispose() => _http.Dispose();

    private static X509Certificate2? ClientCertificate(KubeconfigFile file)
    {
        var certPem =
            file.ClientCertificatePem
            ?? (file.ClientCertificatePath is { } certPath ? File.ReadAllText(certPath) : null);
        var keyPem = file.ClientKeyPem ?? (file.ClientKeyPath is { } keyPath ? File.ReadAllText(keyPath) : null);
        return certPem is null || keyPem is null ? null : X509Certificate2.CreateFromPem(certPem, keyPem);
    }

    // The server must present a certificate for the URL's host that chains to the kubeconfig's CA (or, without one,
    // to the system's roots, as client-go does).
    private static bool Trusted(X509Certificate? presented, SslPolicyErrors errors, IReadOnlyList<X509Certificate2>? ca)
    {
        if (ca is null || presented is null)
        {
            return errors == SslPolicyErrors.None;
        }
        const SslPolicyErrors fatal =
            SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable;
        if ((errors & fatal) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        var leaf = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        try
        {
            return chain.Build(leaf);
        }
        finally
        {
            if (!ReferenceEquals(leaf, presented))
            {
                leaf.Dispose();
            }
        }
    }
}
