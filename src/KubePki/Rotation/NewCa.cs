using KubePki.Building;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>The new CA of a rotation: imported from files (and checked) or made as <c>init phase certs</c>
/// would.</summary>
internal static class NewCa
{
    public static CertificateAuthority Load(ImportedCa import)
    {
        var certificate = PemCodec.DecodeCertificate(ReadFile(import.CertPath, "--new-ca-cert"), import.CertPath);
        var key = PemCodec.DecodePrivateKey(ReadFile(import.KeyPath, "--new-ca-key"), import.KeyPath);
        if (!key.Matches(certificate))
        {
            throw new KubePkiException(
                $"--new-ca-key {import.KeyPath}: the private key does not match the "
                    + $"certificate {import.CertPath}",
                KubePkiErrorKind.InvalidFile
            );
        }
        return new CertificateAuthority(certificate, key);
    }

    private static string ReadFile(string path, string flag)
    {
        if (!File.Exists(path))
        {
            throw new KubePkiException($"{flag} {path}: the file does not exist", KubePkiErrorKind.NotFound);
        }
        return DiskFileStore.Instance.ReadText(path);
    }

    /// <summary>Both CAs carry one subject, so verifiers that look issuers up by name (OpenSSL, and so curl's and
    /// Python's TLS) tell them apart only by SubjectKeyIdentifier/AuthorityKeyIdentifier: an imported CA must have
    /// one.</summary>
    public static CertificateAuthority Validated(
        CertificateAuthority imported,
        CertificateAuthority current,
        ImportedCa import,
        string currentPath,
        DateTimeOffset now,
        TextWriter log
    )
    {
        var path = import.CertPath;
        if (!CertificateFacts.IsCa(imported.Certificate))
        {
            throw new KubePkiException(
                $"--new-ca-cert {path}: the certificate is not a certificate authority",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (CertificateFacts.NotAfter(imported.Certificate) <= now)
        {
            throw new KubePkiException(
                $"--new-ca-cert {path}: the certificate expired on "
                    + $"{CertificateFacts.NotAfter(imported.Certificate):yyyy-MM-dd HH:mm:ss} UTC",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (CertificateAuthority.SubjectKeyIdOf(imported.Certificate) is not { Length: > 0 })
        {
            throw new KubePkiException(
                $"--new-ca-cert {path}: the certificate has no SubjectKeyIdentifier; with two "
                    + $"CAs named \"{imported.Certificate.Subject}\" trusted at once, verifiers that look "
                    + $"issuers up by "
                    + $"name (OpenSSL, curl, Python) can pick the wrong one; make the CA with a SubjectKeyIdentifier",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (imported.Key!.Matches(current.Certificate))
        {
            throw new KubePkiException(
                $"--new-ca-key {path}: this is the key of the current CA {currentPath}; "
                    + $"a rotation needs a new key",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (ImportedCaPolicy.Problem(imported.Certificate, import) is { } problem)
        {
            throw new KubePkiException(problem, KubePkiErrorKind.InvalidFile);
        }
        if (ImportedCaPolicy.KeyFileWarning(DiskFileStore.Instance, import) is { } warning)
        {
            log.WriteLine(warning);
        }
        if (CertificateFacts.NotBefore(imported.Certificate) > now)
        {
            log.WriteLine(
                $"[ca rotate] WARNING: --new-ca-cert {path} is not valid before "
                    + $"{CertificateFacts.NotBefore(imported.Certificate):yyyy-MM-dd HH:mm:ss} UTC"
            );
        }
        return imported;
    }

    /// <summary>A new CA as <c>init phase certs</c> makes it: kubeadm's subject, the cluster's key type and CA
    /// validity.</summary>
    public static CertificateAuthority Generate(
        CertDefinition ca,
        ClusterConfig config,
        IKeyGenerator keys,
        DateTimeOffset start,
        CertificateAuthority current
    )
    {
        var spec = ca.Resolve(config);
        for (var attempt = 0; ; attempt++)
        {
            var key = keys.Generate(config.KeyAlgorithm);
            if (key.Matches(current.Certificate) && attempt < 3)
            {
                key.Dispose();
                continue; // a key source that hands the old key out again
            }
            var certificate = CertificateAuthority.SelfSign(TemplateBuilder.For(spec, config, start), key);
            return new CertificateAuthority(certificate, key);
        }
    }
}
