using System.Security.Cryptography.X509Certificates;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>What a rotation looks at on this node: the trust anchors of the CA (its certificate file and, for ca, the
/// kubeconfigs' certificate-authority-data) and every certificate it signs, each classified by
/// <see cref="RotationCas"/>.</summary>
internal sealed class RotationInventory(RotationTarget target, PkiDirectory pki)
{
    /// <summary>One row per file (a kubeconfig both trusts a CA and holds a cert one signed), anchors first.</summary>
    public static List<RotationFileStatus> FileStatuses(
        List<(string Path, IReadOnlyList<CaRole> Trusts)> anchors,
        List<(string Path, CaRole Role)> signed,
        Func<CaRole, string> label
    )
    {
        var signers = signed.ToDictionary(s => s.Path, s => label(s.Role));
        var rows = anchors
            .Select(a => new RotationFileStatus
            {
                Path = a.Path,
                Trusts = a.Trusts.Select(label).ToList(),
                SignedBy = signers.GetValueOrDefault(a.Path),
            })
            .ToList();
        rows.AddRange(
            signed
                .Where(s => !rows.Any(r => r.Path == s.Path))
                .Select(s => new RotationFileStatus
                {
                    Path = s.Path,
                    Trusts = [],
                    SignedBy = label(s.Role),
                })
        );
        return rows;
    }

    public IEnumerable<RenewableItem> Items() => target.Pairs.Cast<RenewableItem>().Concat(target.Kubeconfigs);

    /// <summary>The certificate an item holds, or null when it does not exist or (kubelet.conf) points to a
    /// file.</summary>
    public X509Certificate2? EmbeddedCertificate(RenewableItem item)
    {
        if (!item.Exists(pki.Store))
        {
            return null;
        }
        if (item is KubeconfigItem kubeconfig && kubeconfig.Read(pki.Store).ClientCertificatePem is null)
        {
            return null;
        }
        return item.ReadCertificate(pki.Store);
    }

    /// <summary>Every certificate on this node that the CA signs, by file: leaves, kubeconfig client certs, and the
    /// client cert file a kubelet.conf points to (the kubelet's own rotation keeps it there).</summary>
    public IEnumerable<(string Path, X509Certificate2 Certificate)> SignedCertificates()
    {
        foreach (var item in Items())
        {
            if (EmbeddedCertificate(item) is { } certificate)
            {
                yield return (item.Paths[^1], certificate);
            }
            else if (
                item is KubeconfigItem kubeconfig
                && item.Exists(pki.Store)
                && kubeconfig.Read(pki.Store).ClientCertificatePath is { } referenced
            )
            {
                var path = Path.IsPathRooted(referenced)
                    ? referenced
                    : Path.Combine(Path.GetDirectoryName(kubeconfig.FilePath)!, referenced);
                if (pki.Store.Exists(path))
                {
                    yield return (path, PemCodec.DecodeCertificate(pki.Store.ReadText(path), path));
                }
            }
        }
    }

    public List<(string Path, CaRole Role)> Signed(RotationCas cas) =>
        SignedCertificates().Select(s => (s.Path, cas.SignerOf(s.Certificate))).ToList();

    /// <summary>The trust anchors of the CA on this node: its certificate file and (ca) every kubeconfig's
    /// certificate-authority-data, each with the CAs it holds in order.</summary>
    public List<(string Path, IReadOnlyList<CaRole> Trusts)> Anchors(RotationCas cas)
    {
        var anchors = new List<(string, IReadOnlyList<CaRole>)>
        {
            (pki.CertPath(target.Ca.BaseName), pki.ReadCertChain(target.Ca.BaseName).Select(cas.RoleOf).ToList()),
        };
        foreach (var kubeconfig in target.Kubeconfigs.Where(k => k.Exists(pki.Store)))
        {
            var pem = kubeconfig.Read(pki.Store).CertificateAuthorityPem!;
            anchors.Add(
                (kubeconfig.FilePath, PemCodec.DecodeCertificates(pem, kubeconfig.FilePath).Select(cas.RoleOf).ToList())
            );
        }
        return anchors;
    }
}
