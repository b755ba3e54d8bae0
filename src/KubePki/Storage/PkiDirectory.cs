using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;

namespace KubePki.Storage;

/// <summary>Names, paths and typed reads/writes of the files under a cert dir (<c>&lt;base&gt;.crt</c>, <c>.key</c>,
/// <c>.csr</c>, <c>sa.key</c>/<c>sa.pub</c>).</summary>
public sealed class PkiDirectory(string root, IFileStore store)
{
    public string Root { get; } = root;

    public IFileStore Store { get; } = store;

    public string CertPath(string baseName) => Path.Combine(Root, baseName + ".crt");

    public string KeyPath(string baseName) => Path.Combine(Root, baseName + ".key");

    public string CsrPath(string baseName) => Path.Combine(Root, baseName + ".csr");

    public string PublicKeyPath(string baseName) => Path.Combine(Root, baseName + ".pub");

    public bool CertExists(string baseName) => Store.Exists(CertPath(baseName));

    public bool KeyExists(string baseName) => Store.Exists(KeyPath(baseName));

    public IReadOnlyList<X509Certificate2> ReadCertChain(string baseName)
    {
        var path = CertPath(baseName);
        return PemCodec.DecodeCertificates(Store.ReadText(path), path);
    }

    public X509Certificate2 ReadCert(string baseName) => ReadCertChain(baseName)[0];

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
