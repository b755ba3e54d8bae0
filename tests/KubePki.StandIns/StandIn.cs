using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace KubePki.StandIns;

/// <summary>What each stand-in does with its flags, as far as the tests need: kube-apiserver serves
/// <c>--tls-cert-file</c> on <c>--secure-port</c> and answers /livez, /readyz, /healthz; kube-controller-manager and
/// kube-scheduler read the client certificate in <c>--kubeconfig</c>, refuse to start when it has expired or does not
/// match its key (as client-go would fail every request), and answer /healthz on <c>--secure-port</c> with a
/// self-signed certificate (as they do without --tls-cert-file). An unknown flag makes them exit, as Go binaries
/// do.</summary>
public static partial class StandIn
{
    private static readonly Dictionary<string, string[]> KnownFlags = new()
    {
        ["kube-apiserver"] =
        [
            "--secure-port",
            "--tls-cert-file",
            "--tls-private-key-file",
            "--advertise-address",
            "--bind-address",
            "--client-ca-file",
            "--etcd-servers",
            "--etcd-cafile",
            "--etcd-certfile",
            "--etcd-keyfile",
            "--kubelet-client-certificate",
            "--kubelet-client-key",
            "--proxy-client-cert-file",
            "--proxy-client-key-file",
            "--requestheader-client-ca-file",
            "--service-account-key-file",
            "--service-account-signing-key-file",
            "--service-account-issuer",
            "--service-cluster-ip-range",
            "--v",
        ],
        ["kube-controller-manager"] =
        [
            "--kubeconfig",
            "--authentication-kubeconfig",
            "--authorization-kubeconfig",
            "--secure-port",
            "--bind-address",
            "--client-ca-file",
            "--cluster-name",
            "--cluster-signing-cert-file",
            "--cluster-signing-key-file",
            "--controllers",
            "--requestheader-client-ca-file",
            "--root-ca-file",
            "--service-account-private-key-file",
            "--use-service-account-credentials",
            "--leader-elect",
            "--v",
        ],
        ["kube-scheduler"] =
        [
            "--kubeconfig",
            "--authentication-kubeconfig",
            "--authorization-kubeconfig",
            "--secure-port",
            "--bind-address",
            "--leader-elect",
            "--v",
        ],
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || !KnownFlags.TryGetValue(args[0], out var known))
        {
            Console.Error.WriteLine($"usage: KubePki.StandIns {string.Join("|", KnownFlags.Keys)} --flag=value...");
            return 2;
        }
        var flags = new Dictionary<string, string>();
        foreach (var arg in args.Skip(1))
        {
            var name = arg.Split('=', 2)[0];
            if (!known.Contains(name))
            {
                Console.Error.WriteLine($"Error: unknown flag: {name}");
                return 1;
            }
            flags[name] = arg.Contains('=') ? arg.Split('=', 2)[1] : "true";
        }
        var port = int.Parse(
            flags.GetValueOrDefault(
                "--secure-port",
                args[0] switch
                {
                    "kube-apiserver" => "6443",
                    "kube-controller-manager" => "10257",
                    _ => "10259",
                }
            )
        );
        X509Certificate2 serving;
        string[] paths;
        if (args[0] == "kube-apiserver")
        {
            if (FailFile(flags["--tls-cert-file"]) is { } fail && File.Exists(fail))
            {
                Console.Error.WriteLine($"error: {fail} exists: failing at start (a broken kube-apiserver)");
                return 1;
            }
            serving = X509Certificate2.CreateFromPemFile(flags["--tls-cert-file"], flags["--tls-private-key-file"]);
            paths = ["/livez", "/readyz", "/healthz"];
        }
        else
        {
            var problem = ClientCertificateProblem(flags["--kubeconfig"]);
            if (problem is not null)
            {
                Console.Error.WriteLine($"error: {flags["--kubeconfig"]}: {problem}");
                return 1;
            }
            if (args[0] == "kube-controller-manager" && SigningProblem(flags) is { } signing)
            {
                Console.Error.WriteLine($"error: {signing}");
                return 1;
            }
            serving = SelfSigned(args[0]);
            paths = ["/healthz"];
        }
        // Where a Go component listens: --bind-address, by default every address (kube-apiserver,
        // kube-controller-manager and kube-scheduler all default to 0.0.0.0).
        var address = IPAddress.Parse(flags.GetValueOrDefault("--bind-address", "0.0.0.0"));
        Console.WriteLine(
            $"{args[0]}: serving {string.Join(", ", paths)} on https://{address}:{port} " + $"with {serving.Subject}"
        );
        await HttpsServer.ServeAsync(address, port, serving, paths);
        return 0;
    }

    /// <summary>The test fault switch of one node's kube-apiserver: <c>kube-apiserver.fail</c> in the directory above
    /// the one holding <c>--tls-cert-file</c> (the node's kubeconfig dir, for a cert dir at
    /// <c>&lt;dir&gt;/pki</c>). While it exists the stand-in exits 1 at start, so a restarted kube-apiserver never
    /// becomes healthy; removing it is the operator's repair.</summary>
    public static string? FailFile(string tlsCertFile) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(tlsCertFile))) is { } dir
            ? Path.Combine(dir, FailFileName)
            : null;

    public const string FailFileName = "kube-apiserver.fail";

    private static string? ClientCertificateProblem(string kubeconfigPath)
    {
        var text = File.ReadAllText(kubeconfigPath);
        var certData = Field(text, "client-certificate-data");
        var keyData = Field(text, "client-key-data");
        if (certData is null || keyData is null)
        {
            return "no embedded client certificate and key";
        }
        var certPem = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(certData));
        var keyPem = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(keyData));
        X509Certificate2 pair;
        try
        {
            pair = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            return $"tls: private key does not match public key ({e.Message})";
        }
        using (pair)
        {
            if (
                pair.NotAfter.ToUniversalTime() <= DateTime.UtcNow
                || pair.NotBefore.ToUniversalTime() > DateTime.UtcNow
            )
            {
                return $"x509: certificate has expired or is not yet valid "
                    + $"(NotAfter {pair.NotAfter.ToUniversalTime():u})";
            }
        }
        return null;
    }

    /// <summary>What kube-controller-manager's CSR signer (<c>signer/ca_provider.go</c>) refuses at start: a signing
    /// cert file that is not exactly one certificate, or a key that is not its key (<c>tls.X509KeyPair</c>). The CA
    /// files it only trusts (<c>--client-ca-file</c>, <c>--root-ca-file</c>) may be bundles. When it starts it says
    /// which CA signs (SHA-256 of the certificate), for the tests to judge.</summary>
    private static string? SigningProblem(Dictionary<string, string> flags)
    {
        foreach (var trust in new[] { "--client-ca-file", "--root-ca-file", "--requestheader-client-ca-file" })
        {
            if (flags.TryGetValue(trust, out var path) && ReadCertificates(path).Count == 0)
            {
                return $"{trust} {path}: no certificate found";
            }
        }
        if (!flags.TryGetValue("--cluster-signing-cert-file", out var certFile))
        {
            return null;
        }
        var keyFile = flags.GetValueOrDefault("--cluster-signing-key-file", "");
        var certs = ReadCertificates(certFile);
        if (certs.Count != 1)
        {
            return $"error reading CA cert file \"{certFile}\": expected 1 certificate, found {certs.Count}";
        }
        try
        {
            using var pair = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            Console.WriteLine(
                $"kube-controller-manager: signing with CA {Convert.ToHexString(SHA256.HashData(pair.RawData))} "
                    + $"({pair.Subject})"
            );
        }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            return $"error reading CA cert file \"{certFile}\": tls: private key does not match public key "
                + $"({e.Message})";
        }
        return null;
    }

    private static X509Certificate2Collection ReadCertificates(string path)
    {
        var certs = new X509Certificate2Collection();
        try
        {
            certs.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException) { }
        return certs;
    }

    private static string? Field(string text, string key)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(key)}:\s*(\S+)\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}@self-signed", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
