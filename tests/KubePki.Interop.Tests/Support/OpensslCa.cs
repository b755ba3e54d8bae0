using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>What an external CA must add when it signs a kubeadm CSR (the CSRs carry subject and SANs only).</summary>
public enum TlsUsage
{
    /// <summary>serverAuth (apiserver).</summary>
    Server,

    /// <summary>serverAuth + clientAuth (etcd server and peer).</summary>
    ServerAndClient,

    /// <summary>clientAuth (every client cert and kubeconfig).</summary>
    Client,
}

/// <summary>openssl acting as a CA: either an external one it creates itself (<c>openssl req -x509</c>, ECDSA P-256, no
/// kubepki involved) or an existing CA cert + key. Signs CSRs with <c>openssl x509 -req</c>, adding the usages
/// kubeadm's
/// certs carry (keyUsage critical digitalSignature,keyEncipherment; basicConstraints critical CA:FALSE; the EKUs) and
/// copying the SANs from the CSR.</summary>
public sealed class OpensslCa
{
    private const string Extensions = """
        [req]
        distinguished_name = dn
        prompt = no
        [dn]
        CN = unused
        [v3_ca]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
        subjectKeyIdentifier = hash
        [Server]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth
        authorityKeyIdentifier = keyid
        [ServerAndClient]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth,clientAuth
        authorityKeyIdentifier = keyid
        [Client]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = clientAuth
        authorityKeyIdentifier = keyid

        """;

    private readonly string _extensionsFile;

    private OpensslCa(string certPath, string keyPath, string workDir)
    {
        CertPath = certPath;
        KeyPath = keyPath;
        Directory.CreateDirectory(workDir);
        _extensionsFile = Path.Combine(workDir, "openssl-ca.cnf");
        if (!File.Exists(_extensionsFile))
        {
            File.WriteAllText(_extensionsFile, Extensions);
        }
    }

    public string CertPath { get; }

    public string KeyPath { get; }

    /// <summary>A new self-signed CA (10 years, SAN DNS=&lt;CN&gt; as kubeadm's CAs) in <paramref
    /// name="dir"/>.</summary>
    public static OpensslCa Create(string dir, string fileBase, string commonName)
    {
        Directory.CreateDirectory(dir);
        var ca = new OpensslCa(Path.Combine(dir, fileBase + ".crt"), Path.Combine(dir, fileBase + ".key"), dir);
        ExternalTool.OpensslOk(
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            ca.KeyPath
        );
        ExternalTool.OpensslOk(
            "req",
            "-x509",
            "-new",
            "-key",
            ca.KeyPath,
            "-subj",
            "/CN=" + commonName,
            "-days",
            "3650",
            "-config",
            ca._extensionsFile,
            "-extensions",
            "v3_ca",
            "-addext",
            "subjectAltName=DNS:" + commonName,
            "-out",
            ca.CertPath
        );
        return ca;
    }

    /// <summary>An existing CA (e.g. kubepki's ca.crt + ca.key); the openssl config goes to <paramref
    /// name="workDir"/>.</summary>
    public static OpensslCa Existing(string certPath, string keyPath, string workDir) =>
        new(certPath, keyPath, workDir);

    /// <summary>Signs a CSR for 365 days (random serial) and writes the certificate to <paramref
    /// name="outPath"/>.</summary>
    public string Sign(string csrPath, string outPath, TlsUsage usage)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        ExternalTool.OpensslOk(
            "x509",
            "-req",
            "-in",
            csrPath,
            "-CA",
            CertPath,
            "-CAkey",
            KeyPath,
            "-days",
            "365",
            "-extfile",
            _extensionsFile,
            "-extensions",
            usage.ToString(),
            "-copy_extensions",
            "copy",
            "-out",
            outPath
        );
        return outPath;
    }
}
