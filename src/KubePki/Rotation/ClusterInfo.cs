using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubePki.Cluster;
using KubePki.Crypto;
using KubePki.Kubeconfig;

namespace KubePki.Rotation;

/// <summary>ConfigMap kube-public/cluster-info: the kubeconfig (server and CA data) that <c>kubeadm join</c> discovers
/// with a bootstrap token and checks against <c>--discovery-token-ca-cert-hash</c> (any CA of its bundle may match).
/// A rotation of <c>ca</c> makes its CA data old + new at <c>start</c>, the new CA at <c>finish</c> and the CA that
/// stays at <c>abort</c>; kube-controller-manager's bootstrap signer then re-signs it for every token.</summary>
internal static partial class ClusterInfo
{
    public const string Namespace = "kube-public";
    public const string Name = "cluster-info";
    public const string Key = "kubeconfig";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>What <c>kubeadm join --discovery-token-ca-cert-hash</c> pins: the SHA-256 of the CA's
    /// SubjectPublicKeyInfo.</summary>
    public static string DiscoveryHash(X509Certificate2 ca) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>The ConfigMap's kubeconfig with its CA data set to <paramref name="caPem"/>, everything else
    /// kept.</summary>
    public static string WithCertificateAuthority(string kubeconfig, string caPem)
    {
        var lines = CaDataLine().Matches(kubeconfig);
        if (lines.Count != 1)
        {
            throw new KubePkiException(
                $"ConfigMap {Namespace}/{Name}: its {Key} has {lines.Count} certificate-authority-data fields, "
                    + $"expected 1",
                KubePkiErrorKind.InvalidFile
            );
        }
        var data = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(caPem));
        return CaDataLine().Replace(kubeconfig, m => m.Groups["prefix"].Value + data + m.Groups["end"].Value);
    }

    /// <summary>The kubeconfig kubeadm puts in cluster-info, for a server and CA.</summary>
    public static string Kubeconfig(string server, string caPem) =>
        $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(caPem))}
                server: {server}
              name: ""
            contexts: null
            current-context: ""
            kind: Config
            preferences: {"{}"}
            users: null

            """;

    /// <summary>The command that does by hand what <see cref="Update"/> does.</summary>
    public static string PatchCommand(string kubeconfigPath, string server, string caPem)
    {
        var patch = new JsonObject { ["data"] = new JsonObject { [Key] = Kubeconfig(server, caPem) } };
        return $"kubectl --kubeconfig {kubeconfigPath} -n {Namespace} patch configmap {Name} --type merge -p "
            + $"'{patch.ToJsonString()}'";
    }

    /// <summary>Sets cluster-info's CA data to <paramref name="caPem"/> through the API reached with
    /// <paramref name="kubeconfigPath"/>; when the API cannot be reached or refuses, says so and prints the exact
    /// command. <paramref name="server"/> is the API server named in that command when the kubeconfig names
    /// none.</summary>
    public static void Update(string kubeconfigPath, string caPem, string server, bool dryRun, TextWriter log)
    {
        if (dryRun)
        {
            log.WriteLine(
                $"[dryrun] Would set the CA data of ConfigMap {Namespace}/{Name} to {Describe(caPem)} through "
                    + $"{kubeconfigPath}"
            );
            return;
        }
        var problem = TryUpdate(kubeconfigPath, caPem, out var changed);
        if (problem is null)
        {
            log.WriteLine(
                changed
                    ? $"[ca rotate] ConfigMap {Namespace}/{Name} now carries {Describe(caPem)} for joining nodes"
                    : $"[ca rotate] ConfigMap {Namespace}/{Name} already carries {Describe(caPem)}"
            );
            return;
        }
        log.WriteLine(
            $"[ca rotate] Could not update ConfigMap {Namespace}/{Name} through {kubeconfigPath} ({problem}); "
                + $"joining nodes discover the CA there, so run, where the API server is reachable:"
        );
        log.WriteLine("  " + PatchCommand(kubeconfigPath, ServerOf(kubeconfigPath) ?? server, caPem));
    }

    private static string? TryUpdate(string kubeconfigPath, string caPem, out bool changed)
    {
        changed = false;
        using var client = KubeadmConfigMapClient.FromKubeconfig(kubeconfigPath, Timeout, out var problem);
        if (client is null)
        {
            return problem;
        }
        try
        {
            var configMap = client.GetConfigMap(Namespace, Name);
            if (configMap is null)
            {
                return "it does not exist";
            }
            if (configMap["data"]?[Key] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                return $"it has no \"{Key}\" key";
            }
            var current = value.GetValue<string>();
            var updated = WithCertificateAuthority(current, caPem);
            if (updated == current)
            {
                return null;
            }
            configMap["data"]![Key] = updated;
            client.ReplaceConfigMap(Namespace, Name, configMap);
            changed = true;
            return null;
        }
        catch (KubePkiException e)
        {
            return e.Message;
        }
    }

    private static string? ServerOf(string kubeconfigPath)
    {
        try
        {
            return File.Exists(kubeconfigPath) ? KubeconfigFile.Load(kubeconfigPath).Server : null;
        }
        catch (Exception e) when (e is KubePkiException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Describe(string caPem)
    {
        var cas = PemCodec.DecodeCertificates(caPem, "ca");
        return cas.Count == 1
            ? $"one CA ({DiscoveryHash(cas[0])})"
            : $"{cas.Count} CAs ({string.Join(", ", cas.Select(DiscoveryHash))})";
    }

    [GeneratedRegex(
        @"^(?<prefix>[ \t]*certificate-authority-data:[ \t]*)[A-Za-z0-9+/=]+(?<end>[ \t]*\r?)$",
        RegexOptions.Multiline
    )]
    private static partial Regex CaDataLine();
}
