using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>Where a rotation keeps both CAs while it is under way: <c>&lt;cert-dir&gt;/ca-rotation/&lt;name&gt;/</c>
/// (0700) with <c>old-ca.crt</c>/<c>old-ca.key</c> and <c>new-ca.crt</c>/<c>new-ca.key</c> (keys 0600). The
/// directory exists from <c>start</c> until <c>finish</c> or <c>abort</c>; <c>new-ca.crt</c> is written last, so its
/// presence means the set is complete.</summary>
internal sealed class RotationFiles(PkiDirectory pki, string name)
{
    public string Directory { get; } = Path.Combine(pki.Root, "ca-rotation", name);

    public string NewCert => Path.Combine(Directory, "new-ca.crt");

    public string NewKey => Path.Combine(Directory, "new-ca.key");

    public string OldCert => Path.Combine(Directory, "old-ca.crt");

    public string OldKey => Path.Combine(Directory, "old-ca.key");

    public bool Exist => pki.Store.Exists(NewCert);

    public RotationCas Read() => new(Load(OldCert, OldKey), Load(NewCert, NewKey));

    /// <summary>The four files, <c>new-ca.crt</c> last.</summary>
    public IReadOnlyList<FileWrite> Writes(RotationCas cas) =>
        [
            FileWrite.Text(OldCert, PemCodec.EncodeCertificate(cas.Old.Certificate), FileModes.Public),
            FileWrite.Text(OldKey, cas.Old.Key!.ToPem(), FileModes.Private),
            FileWrite.Text(NewKey, cas.New.Key!.ToPem(), FileModes.Private),
            FileWrite.Text(NewCert, PemCodec.EncodeCertificate(cas.New.Certificate), FileModes.Public),
        ];

    private CertificateAuthority Load(string certPath, string keyPath)
    {
        if (!pki.Store.Exists(keyPath))
        {
            throw new KubePkiException(
                $"{keyPath} is missing: the rotation of {name} kept its CAs in {Directory}; "
                    + $"restore it from a backup or the file you imported",
                KubePkiErrorKind.NotFound
            );
        }
        var certificate = PemCodec.DecodeCertificate(pki.Store.ReadText(certPath), certPath);
        var key = PemCodec.DecodePrivateKey(pki.Store.ReadText(keyPath), keyPath);
        if (!key.Matches(certificate))
        {
            throw new KubePkiException(
                $"{keyPath}: the private key does not match the certificate {certPath}",
                KubePkiErrorKind.InvalidFile
            );
        }
        return new CertificateAuthority(certificate, key);
    }
}
