using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;

namespace KubePki.Storage;

/// <summary>Names, paths and typed reads/writes of the files under a cert dir (<c>&lt;base&gt;.crt</c>, <c>.key</c>,
/// <c>.csr</c>, <c>sa.key</c>/<c>sa.pub</c>).</summary>
/// <param name="root">The cert dir (kubeadm's <c>certificatesDir</c>).</param>
/// <param name="store">The file store every access goes through (<see cref="DiskFileStore.Instance"/>).</param>
public sealed class PkiDirectory(string root, IFileStore store)
{
    /// <summary>The cert dir.</summary>
    public string Root { get; } = root;

    /// <summary>The file store every access goes through.</summary>
    public IFileStore Store { get; } = store;

    /// <summary>The certificate file of a base name, e.g. <c>apiserver</c> or <c>etcd/server</c>:
    /// <c>&lt;root&gt;/&lt;base&gt;.crt</c>.</summary>
    public string CertPath(string baseName) => Path.Combine(Root, baseName + ".crt");

    /// <summary>The private key file, <c>&lt;root&gt;/&lt;base&gt;.key</c>.</summary>
    public string KeyPath(string baseName) => Path.Combine(Root, baseName + ".key");

    /// <summary>The certificate signing request file, <c>&lt;root&gt;/&lt;base&gt;.csr</c>.</summary>
    public string CsrPath(string baseName) => Path.Combine(Root, baseName + ".csr");

    /// <summary>The public key file, <c>&lt;root&gt;/&lt;base&gt;.pub</c> (kubeadm writes only
    /// <c>sa.pub</c>).</summary>
    public string PublicKeyPath(string baseName) => Path.Combine(Root, baseName + ".pub");

    /// <summary>Whether <see cref="CertPath"/> exists.</summary>
    public bool CertExists(string baseName) => Store.Exists(CertPath(baseName));

    /// <summary>Whether <see cref="KeyPath"/> exists.</summary>
    public bool KeyExists(string baseName) => Store.Exists(KeyPath(baseName));

    /// <summary>Every certificate of the file, in file order (a CA file holds two during a CA rotation). A missing,
    /// unreadable or non-PEM file is a <see cref="KubePkiException"/> naming it.</summary>
    public IReadOnlyList<X509Certificate2> ReadCertChain(string baseName)
    {
        var path = CertPath(baseName);
        return PemCodec.DecodeCertificates(Store.ReadText(path), path);
    }

    /// <summary>The first certificate of the file (the one its key belongs to).</summary>
    public X509Certificate2 ReadCert(string baseName) => ReadCertChain(baseName)[0];

    /// <summary>The private key of the file (PKCS#1, SEC1 or PKCS#8 PEM).</summary>
    public PrivateKey ReadKey(string baseName)
    {
        var path = KeyPath(baseName);
        return PemCodec.DecodePrivateKey(Store.ReadText(path), path);
    }

    internal FileWrite CertFile(string baseName, X509Certificate2 certificate) =>
        FileWrite.Text(CertPath(baseName), PemCodec.EncodeCertificate(certificate), FileModes.Public);

    internal FileWrite KeyFile(string baseName, PrivateKey key) =>
        FileWrite.Text(KeyPath(baseName), key.ToPem(), FileModes.Private);

    /// <summary>Writes a cert and its key as one unit: a reader never sees a new cert next to an old key.</summary>
    public void WritePair(string baseName, X509Certificate2 certificate, PrivateKey key) =>
        Store.Write([KeyFile(baseName, key), CertFile(baseName, certificate)]);
}
