using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using KubePki.Files;
using KubePki.InCluster;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.Controller.Exporter;

/// <summary>Prometheus exporter-toolkit's web config file (<c>--web.config.file</c>): TLS for the endpoint
/// (<c>tls_server_config</c>), basic auth users with bcrypt hashes (<c>basic_auth_users</c>) and extra response
/// headers (<c>http_server_config.headers</c>). Read strictly as upstream reads it: an unknown field refuses the
/// file.</summary>
internal sealed record WebConfig(
    WebTlsConfig? Tls,
    IReadOnlyDictionary<string, string> Users,
    IReadOnlyList<(string Name, string Value)> Headers
)
{
    private const long MaxBytes = 1 << 20;

    // The response headers exporter-toolkit lets a config set; any other name refuses the file.
    private static readonly string[] AllowedHeaders =
    [
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "X-XSS-Protection",
        "Content-Security-Policy",
    ];

    /// <summary>Reads and checks <paramref name="path"/>; relative file names inside it are relative to its
    /// directory. Throws <see cref="KubePkiException"/> naming the file and the field.</summary>
    public static WebConfig Load(string path)
    {
        var text = Encoding.UTF8.GetString(SafeFileReader.Read(path, MaxBytes));
        var documents = BoundedYaml.Load(text, path);
        if (documents.Count == 0 || documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return new WebConfig(null, new Dictionary<string, string>(), []);
        }
        var root = Mapping(path, documents[0].RootNode, "the file");
        var reader = new Reader(path, Path.GetDirectoryName(Path.GetFullPath(path))!);
        WebTlsConfig? tls = null;
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyList<(string Name, string Value)> headers = [];
        foreach (var (keyNode, value) in root.Children)
        {
            var key = reader.Key(keyNode);
            switch (key)
            {
                case "tls_server_config":
                    tls = reader.Tls(value);
                    break;
                case "basic_auth_users":
                    foreach (var (user, hash) in reader.Map(value, key))
                    {
                        users[user] = BcryptHash(path, user, hash);
                    }
                    break;
                case "http_server_config":
                    headers = reader.HttpServer(value);
                    break;
                default:
                    throw reader.Unknown(keyNode, key, "the web config");
            }
        }
        return new WebConfig(tls, users, headers);
    }

    /// <summary>What the endpoint adds to plain HTTP for this config.</summary>
    public PlainHttpSecurity Security() =>
        new()
        {
            Tls = Tls is null ? null : new ServingCertificate(Tls).Options,
            Authorize = Users.Count == 0 ? null : new BasicAuth(Users).Authorize,
            Headers = Headers,
        };

    // Upstream checks each hash with bcrypt's cost parser at startup; a plain-text password is refused there.
    private static string BcryptHash(string path, string user, string hash) =>
        Regex.IsMatch(hash, @"^\$2[abxy]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)
            ? hash
            : throw new KubePkiException(
                $"{path}: basic_auth_users: the password of \"{user}\" is not a bcrypt hash",
                KubePkiErrorKind.InvalidFile
            );

    private static YamlMappingNode Mapping(string path, YamlNode node, string what) =>
        node as YamlMappingNode
        ?? throw new KubePkiException(
            $"{path}: line {node.Start.Line}: {what} is not a mapping",
            KubePkiErrorKind.InvalidFile
        );

    private sealed class Reader(string path, string directory)
    {
        public string Key(YamlNode node) => Scalar(node, "a key");

        public KubePkiException Unknown(YamlNode node, string key, string where) =>
            new($"{path}: line {node.Start.Line}: field {key} not found in {where}", KubePkiErrorKind.InvalidFile);

        public IEnumerable<(string Key, string Value)> Map(YamlNode node, string field)
        {
            if (node is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                yield break;
            }
            foreach (var (key, value) in Mapping(path, node, field).Children)
            {
                yield return (Key(key), Scalar(value, $"{field}.{Key(key)}"));
            }
        }

        public WebTlsConfig Tls(YamlNode node)
        {
            string? certFile = null,
                keyFile = null,
                cert = null,
                key = null,
                clientCaFile = null;
            var clientAuth = ClientAuth.NoClientCert;
            var minVersion = SslProtocols.Tls12;
            var maxVersion = SslProtocols.Tls13;
            foreach (var (keyNode, value) in Fields(node, "tls_server_config"))
            {
                var field = Key(keyNode);
                var name = $"tls_server_config.{field}";
                switch (field)
                {
                    case "cert_file":
                        certFile = File(value, name);
                        break;
                    case "key_file":
                        keyFile = File(value, name);
                        break;
                    case "cert":
                        cert = Scalar(value, name);
                        break;
                    case "key":
                        key = Scalar(value, name);
                        break;
                    case "client_ca_file":
                        clientCaFile = File(value, name);
                        break;
                    case "client_auth_type":
                        var type = Scalar(value, name);
                        clientAuth =
                            Enum.TryParse<ClientAuth>(type, out var parsed) && type == parsed.ToString()
                                ? parsed
                                : throw Invalid(value, name, $"invalid ClientAuth \"{type}\"");
                        break;
                    case "min_version":
                        minVersion = Version(value, name);
                        break;
                    case "max_version":
                        maxVersion = Version(value, name);
                        break;
                    case "prefer_server_cipher_suites":
                        _ = Scalar(value, name); // a no-op in Go's TLS since 1.18
                        break;
                    case "cipher_suites" or "curve_preferences" or "client_allowed_sans":
                        throw Invalid(value, name, "not supported by kubepki exporter");
                    default:
                        throw Unknown(keyNode, field, "tls_server_config");
                }
            }
            if (certFile is null && cert is null)
            {
                throw Invalid(node, "tls_server_config", "missing cert_file or cert");
            }
            if (keyFile is null && key is null)
            {
                throw Invalid(node, "tls_server_config", "missing key_file or key");
            }
            if (clientCaFile is not null && clientAuth == ClientAuth.NoClientCert)
            {
                throw Invalid(node, "tls_server_config", "client_ca_file is given without a client_auth_type");
            }
            var config = new WebTlsConfig(
                certFile,
                keyFile,
                cert,
                key,
                clientAuth,
                clientCaFile,
                minVersion,
                maxVersion
            );
            try
            {
                // Loaded once here so a missing or mismatched certificate refuses the file before listening.
                _ = config.LoadCertificate();
                _ = config.LoadClientCas();
            }
            catch (KubePkiException e)
            {
                throw new KubePkiException($"{path}: tls_server_config: {e.Message}", KubePkiErrorKind.InvalidFile, e);
            }
            return config;
        }

        public List<(string Name, string Value)> HttpServer(YamlNode node)
        {
            List<(string Name, string Value)> headers = [];
            foreach (var (keyNode, value) in Fields(node, "http_server_config"))
            {
                var field = Key(keyNode);
                switch (field)
                {
                    case "http2":
                        _ = Scalar(value, "http_server_config.http2"); // this server answers HTTP/1.1 only
                        break;
                    case "headers":
                        foreach (var (name, text) in Map(value, "http_server_config.headers"))
                        {
                            var allowed =
                                AllowedHeaders.FirstOrDefault(h => h.Equals(name, StringComparison.OrdinalIgnoreCase))
                                ?? throw Invalid(value, "http_server_config.headers", $"header {name} cannot be set");
                            headers.Add((allowed, text.ReplaceLineEndings(" ")));
                        }
                        break;
                    default:
                        throw Unknown(keyNode, field, "http_server_config");
                }
            }
            return headers;
        }

        private IEnumerable<KeyValuePair<YamlNode, YamlNode>> Fields(YamlNode node, string field) =>
            node is YamlScalarNode { Value: null or "" or "~" or "null" } ? [] : Mapping(path, node, field).Children;

        private string File(YamlNode node, string field)
        {
            var name = Scalar(node, field);
            return name.Length == 0 ? throw Invalid(node, field, "empty") : Path.Combine(directory, name);
        }

        private SslProtocols Version(YamlNode node, string field) =>
            Scalar(node, field) switch
            {
                "TLS12" => SslProtocols.Tls12,
                "TLS13" => SslProtocols.Tls13,
                "TLS10" or "TLS11" => throw Invalid(node, field, "TLS 1.0 and 1.1 are not offered"),
                var other => throw Invalid(node, field, $"unknown TLS version \"{other}\""),
            };

        private string Scalar(YamlNode node, string field) =>
            node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Invalid(node, field, "is not a single value");

        private KubePkiException Invalid(YamlNode node, string field, string problem) =>
            new($"{path}: line {node.Start.Line}: {field}: {problem}", KubePkiErrorKind.InvalidFile);
    }
}

/// <summary>Go's tls.ClientAuthType names, as exporter-toolkit spells them.</summary>
internal enum ClientAuth
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}
