using System.Security.Cryptography.X509Certificates;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>A certificate kubeadm's renewal manager handles: a cert/key pair in the cert dir or a client cert embedded
/// in a kubeconfig (kubeadm's readwriter). One interface, so check-expiration and renew treat both alike. Get them from
/// <see cref="RenewalCatalog"/>.</summary>
public abstract record RenewableItem
{
    private protected RenewableItem(string name, string longName, string caName)
    {
        Name = name;
        LongName = longName;
        CaName = caName;
    }

    /// <summary>The name <c>certs renew</c> takes (<c>apiserver</c>, <c>admin.conf</c>...).</summary>
    public string Name { get; init; }

    /// <summary>kubeadm's description in renewal messages (e.g. "certificate for serving the Kubernetes
    /// API").</summary>
    public string LongName { get; init; }

    /// <summary>The CA that signs it (<c>ca</c>, <c>front-proxy-ca</c> or <c>etcd-ca</c>).</summary>
    public string CaName { get; init; }

    internal abstract bool Exists(IFileStore store);

    /// <summary>A renewal replaces files in place; one that is a link to somewhere outside its directory is refused
    /// rather than silently turned into a regular file (or followed out of the PKI).</summary>
    private protected static void RefuseOutsideLink(string path, string root)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return;
        }
        var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.LinkTarget;
        var rootFull = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        if (
            !Path.GetFullPath(target, Path.GetDirectoryName(Path.GetFullPath(path))!)
                .StartsWith(rootFull, StringComparison.Ordinal)
        )
        {
            throw new KubePkiException(
                $"{path} is a symbolic link to {target}, outside {Path.GetFullPath(root)}; "
                    + "refusing to renew through it",
                KubePkiErrorKind.InvalidFile
            );
        }
    }

    internal abstract X509Certificate2 ReadCertificate(IFileStore store);

    /// <summary>The files this item consists of, for backups.</summary>
    internal abstract IReadOnlyList<string> Paths { get; }

    /// <summary>Checks the existing files before anything is renewed: the certificate must load and no file may be a
    /// link leading out of its directory (a <see cref="KubePkiException"/> naming the file). The old key does not
    /// matter to a renewal (kubeadm reads only the old certificate): a corrupt or mismatched one is returned as a
    /// warning.</summary>
    internal abstract IReadOnlyList<string> Validate(IFileStore store);

    /// <summary>The components to restart once this item is renewed (from the catalog row).</summary>
    internal abstract IReadOnlyList<string> Restarts { get; }

    /// <summary>The writes that replace the certificate and key; kubeconfigs also re-embed
    /// <paramref name="caBundlePem"/>, every certificate of the current CA file (one CA, or two while a CA rotation
    /// trusts both).</summary>
    internal abstract IReadOnlyList<FileWrite> Replacement(
        IFileStore store,
        X509Certificate2 certificate,
        PrivateKey key,
        string caBundlePem
    );
}

internal sealed record PkiPairItem(CertDefinition Definition, PkiDirectory Pki)
    : RenewableItem(Definition.Name, Definition.LongName, Definition.CaName!)
{
    internal override bool Exists(IFileStore store) => Pki.CertExists(Definition.BaseName);

    internal override X509Certificate2 ReadCertificate(IFileStore store) => Pki.ReadCert(Definition.BaseName);

    internal override IReadOnlyList<string> Paths =>
        [Pki.KeyPath(Definition.BaseName), Pki.CertPath(Definition.BaseName)];

    internal override IReadOnlyList<string> Restarts => Definition.RestartAfterRenewal;

    internal override IReadOnlyList<string> Validate(IFileStore store)
    {
        foreach (var path in Paths)
        {
            RefuseOutsideLink(path, Pki.Root);
        }
        var certificate = ReadCertificate(store);
        if (!Pki.KeyExists(Definition.BaseName))
        {
            return [];
        }
        try
        {
            using var key = Pki.ReadKey(Definition.BaseName);
            return key.Matches(certificate)
                ? []
                :
                [
                    $"{Pki.KeyPath(Definition.BaseName)}: the private key does not match the certificate "
                        + Pki.CertPath(Definition.BaseName),
                ];
        }
        catch (KubePkiException e)
        {
            return [e.Message];
        }
    }

    // Key first, then cert: a reader that sees the new cert also sees the new key.
    internal override IReadOnlyList<FileWrite> Replacement(
        IFileStore store,
        X509Certificate2 certificate,
        PrivateKey key,
        string caBundlePem
    ) => [Pki.KeyFile(Definition.BaseName, key), Pki.CertFile(Definition.BaseName, certificate)];
}

internal sealed record KubeconfigItem(KubeconfigDefinition Definition, string FilePath)
    : RenewableItem(Definition.FileName, Definition.LongName, "ca")
{
    internal override bool Exists(IFileStore store) => store.Exists(FilePath);

    public KubeconfigFile Read(IFileStore store)
    {
        var file = KubeconfigFile.Parse(store.ReadText(FilePath), FilePath);
        if (file.CertificateAuthorityPem is null)
        {
            throw new KubePkiException(
                $"invalid kubeConfig file {FilePath}: cluster {file.CurrentClusterName} does not have an embedded "
                    + $"server certificate",
                KubePkiErrorKind.InvalidFile
            );
        }
        return file;
    }

    internal override X509Certificate2 ReadCertificate(IFileStore store)
    {
        var file = Read(store);
        var pem =
            file.ClientCertificatePem
            ?? throw new KubePkiException(
                $"invalid kubeConfig file {FilePath}: user {file.CurrentUserName} does not have an embedded client "
                    + $"certificate",
                KubePkiErrorKind.InvalidFile
            );
        return PemCodec.DecodeCertificate(pem, $"{FilePath} (client-certificate-data)");
    }

    internal override IReadOnlyList<string> Paths => [FilePath];

    internal override IReadOnlyList<string> Restarts => Definition.RestartAfterRenewal;

    internal override IReadOnlyList<string> Validate(IFileStore store)
    {
        RefuseOutsideLink(FilePath, Path.GetDirectoryName(Path.GetFullPath(FilePath))!);
        var certificate = ReadCertificate(store);
        var file = Read(store);
        if (file.ClientKeyPem is not { } keyPem)
        {
            return [$"{FilePath}: user {file.CurrentUserName} has no embedded client key"];
        }
        try
        {
            using var key = PemCodec.DecodePrivateKey(keyPem, $"{FilePath} (client-key-data)");
            return key.Matches(certificate)
                ? []
                : [$"{FilePath}: client-key-data does not match client-certificate-data"];
        }
        catch (KubePkiException e)
        {
            return [e.Message];
        }
    }

    internal override IReadOnlyList<FileWrite> Replacement(
        IFileStore store,
        X509Certificate2 certificate,
        PrivateKey key,
        string caBundlePem
    )
    {
        var file = Read(store);
        file.SetClientCredentials(PemCodec.EncodeCertificate(certificate), key.ToPem());
        file.SetCertificateAuthority(caBundlePem);
        return [FileWrite.Text(FilePath, file.Serialize(), FileModes.Private)];
    }
}
