using System.Text;
using KubePki.Files;
using KubePki.GoText;
using KubePki.Yaml;
using YamlDotNet.RepresentationModel;

namespace KubePki.Kubeconfig;

/// <summary>A kubeconfig as a YAML tree: typed access to the fields kubeadm reads and writes, every other field kept
/// as it was when the file is rewritten.</summary>
internal sealed class KubeconfigFile
{
    private readonly YamlMappingNode _root;

    private KubeconfigFile(YamlMappingNode root, string source)
    {
        _root = root;
        Source = source;
    }

    public string Source { get; }

    /// <summary>A kubeconfig: a few KiB from kubeadm; thousands of contexts with embedded certificates stay
    /// below.</summary>
    public const long MaxBytes = 8 << 20;

    /// <summary>Reads a kubeconfig outside the cert and kubeconfig dirs' store (an admin kubeconfig named by a flag)
    /// through the safe reader: no FIFO, device or unbounded read.</summary>
    public static KubeconfigFile Load(string path) =>
        Parse(Encoding.UTF8.GetString(SafeFileReader.Read(path, MaxBytes)), path);

    public static KubeconfigFile Parse(string text, string source)
    {
        var documents = BoundedYaml.Load(text, $"{source}: not a valid kubeconfig");
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubePkiException(
                $"{source}: not a valid kubeconfig: expected one YAML mapping",
                KubePkiErrorKind.InvalidFile
            );
        }
        return new KubeconfigFile(root, source);
    }

    /// <summary>kubeadm's layout: one cluster, one user with embedded client credentials, one context.</summary>
    public static KubeconfigFile Create(
        string clusterName,
        string server,
        string caPem,
        string userName,
        string? clientCertPem,
        string clientKeyPem
    )
    {
        var user = new YamlMappingNode();
        if (clientCertPem is not null)
        {
            user.Add("client-certificate-data", Base64(clientCertPem));
        }
        user.Add("client-key-data", Base64(clientKeyPem));
        return Create(clusterName, server, caPem, userName, user);
    }

    /// <summary>kubeadm's token kubeconfig (<c>kubeconfig user --token</c>): the user authenticates with a bearer
    /// token.</summary>
    public static KubeconfigFile CreateWithToken(
        string clusterName,
        string server,
        string caPem,
        string userName,
        string token
    ) => Create(clusterName, server, caPem, userName, new YamlMappingNode { { "token", token } });

    private static KubeconfigFile Create(
        string clusterName,
        string server,
        string caPem,
        string userName,
        YamlMappingNode user
    )
    {
        var context = $"{userName}@{clusterName}";
        var cluster = new YamlMappingNode();
        if (caPem.Length > 0)
        {
            cluster.Add("certificate-authority-data", Base64(caPem));
        }
        cluster.Add("server", server);
        var root = new YamlMappingNode
        {
            { "apiVersion", "v1" },
            {
                "clusters",
                new YamlSequenceNode(new YamlMappingNode { { "cluster", cluster }, { "name", clusterName } })
            },
            {
                "contexts",
                new YamlSequenceNode(
                    new YamlMappingNode
                    {
                        {
                            "context",
                            new YamlMappingNode { { "cluster", clusterName }, { "user", userName } }
                        },
                        { "name", context },
                    }
                )
            },
            { "current-context", context },
            { "kind", "Config" },
            { "preferences", new YamlMappingNode() },
            { "users", new YamlSequenceNode(new YamlMappingNode { { "name", userName }, { "user", user } }) },
        };
        return new KubeconfigFile(root, "");
    }

    public string CurrentContext => Scalar(_root, "current-context") ?? throw Invalid("has no current-context");

    public string CurrentClusterName =>
        Scalar(CurrentContextNode(), "cluster") ?? throw Invalid($"context {CurrentContext} names no cluster");

    public string CurrentUserName =>
        Scalar(CurrentContextNode(), "user") ?? throw Invalid($"context {CurrentContext} names no user");

    public string? Server => Scalar(ClusterNode(CurrentClusterName), "server");

    /// <summary>The embedded CA of the current cluster, decoded; null when there is none.</summary>
    public string? CertificateAuthorityPem => Decoded(ClusterNode(CurrentClusterName), "certificate-authority-data");

    public string? CertificateAuthorityPath => Scalar(ClusterNode(CurrentClusterName), "certificate-authority");

    public string? ClientCertificatePem => Decoded(UserNode(CurrentUserName), "client-certificate-data");

    public string? ClientKeyPem => Decoded(UserNode(CurrentUserName), "client-key-data");

    public string? ClientCertificatePath => Scalar(UserNode(CurrentUserName), "client-certificate");

    public string? ClientKeyPath => Scalar(UserNode(CurrentUserName), "client-key");

    public string? Token => Scalar(UserNode(CurrentUserName), "token");

    /// <summary>Replaces only the current user's client cert and key.</summary>
    public void SetClientCredentials(string certPem, string keyPem)
    {
        var user = UserNode(CurrentUserName);
        user.Children[new YamlScalarNode("client-certificate-data")] = new YamlScalarNode(Base64(certPem));
        user.Children[new YamlScalarNode("client-key-data")] = new YamlScalarNode(Base64(keyPem));
    }

    /// <summary>Re-embeds the CA of the current cluster (kubeadm#2027: renewed files must carry the current
    /// ca.crt).</summary>
    public void SetCertificateAuthority(string caPem) =>
        ClusterNode(CurrentClusterName).Children[new YamlScalarNode("certificate-authority-data")] = new YamlScalarNode(
            Base64(caPem)
        );

    public string Serialize() => YamlText.Write(_root);

    private YamlMappingNode CurrentContextNode() => Named("contexts", "context", CurrentContext);

    private YamlMappingNode ClusterNode(string name) => Named("clusters", "cluster", name);

    private YamlMappingNode UserNode(string name) => Named("users", "user", name);

    private YamlMappingNode Named(string listKey, string itemKey, string name)
    {
        if (_root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode sequence)
        {
            foreach (var item in sequence.Children.OfType<YamlMappingNode>())
            {
                if (
                    Scalar(item, "name") == name
                    && item.Children.TryGetValue(new YamlScalarNode(itemKey), out var body)
                    && body is YamlMappingNode map
                )
                {
                    return map;
                }
            }
        }
        throw Invalid($"missing {itemKey} {name}");
    }

    // An empty value and a plain YAML null (`null`, `~`) both mean "not set", as client-go reads them; the writer
    // writes an empty plain value as `null`, so a file reads back the same.
    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node)
        && node is YamlScalarNode { Value: { Length: > 0 } value } scalar
        && !(scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && value is "null" or "Null" or "NULL" or "~")
            ? value
            : null;

    private string? Decoded(YamlMappingNode map, string key)
    {
        var value = Scalar(map, key);
        if (value is null)
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException e)
        {
            throw new KubePkiException(
                $"invalid kubeConfig file {Source}: {key} is not valid base64",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
    }

    private KubePkiException Invalid(string what) =>
        new($"invalid kubeConfig file {Source}: {what}", KubePkiErrorKind.InvalidFile);

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
}
