using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Storage;
using KubePki.Validation;

namespace KubePki.Lifecycle;

/// <summary>kubeadm's LoadCertificateAuthority and UsingExternal*CA checks, reading through a <see
/// cref="PkiDirectory"/>.</summary>
internal static class CaLoader
{
    /// <summary>Loads a CA: the cert must be a CA; its key, when present, must load and match. No key = external
    /// CA.</summary>
    public static CertificateAuthority Load(PkiDirectory pki, CertDefinition ca)
    {
        if (!pki.CertExists(ca.BaseName))
        {
            throw new KubePkiException(
                $"couldn't load {ca.Name} certificate authority from {pki.Root}: {pki.CertPath(ca.BaseName)} does "
                    + $"not exist",
                KubePkiErrorKind.NotFound
            );
        }
        var certificate = pki.ReadCert(ca.BaseName);
        if (!CertificateFacts.IsCa(certificate))
        {
            throw new KubePkiException(
                $"{pki.CertPath(ca.BaseName)}: {ca.Name} certificate is not a certificate authority",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (!pki.KeyExists(ca.BaseName))
        {
            return new CertificateAuthority(certificate, null);
        }
        var key = pki.ReadKey(ca.BaseName);
        if (!key.Matches(certificate))
        {
            throw new KubePkiException(
                $"{pki.KeyPath(ca.BaseName)}: the private key does not match the certificate "
                    + $"{pki.CertPath(ca.BaseName)}",
                KubePkiErrorKind.InvalidFile
            );
        }
        return new CertificateAuthority(certificate, key);
    }

    /// <summary>True when the CA cert exists without its key (kubeadm's external CA mode). Then every certificate it
    /// signs must already exist, have a loadable key and chain to it, else this throws "invalid or incomplete external
    /// CA".</summary>
    public static bool IsExternal(PkiDirectory pki, CertDefinition ca, IEnumerable<CertDefinition> leaves)
    {
        if (!pki.CertExists(ca.BaseName) || pki.KeyExists(ca.BaseName))
        {
            return false;
        }
        var authority = Load(pki, ca);
        foreach (var leaf in leaves.Where(l => l.CaName == ca.Name))
        {
            var problem = ExistingPairValidator.ChainProblem(pki, leaf, authority);
            if (problem is not null)
            {
                var what = ca.Name switch
                {
                    "front-proxy-ca" => "front-proxy CA",
                    "etcd-ca" => "etcd CA",
                    _ => "CA",
                };
                throw new KubePkiException(
                    $"invalid or incomplete external {what}: {problem}",
                    KubePkiErrorKind.InvalidFile
                );
            }
        }
        if (ca.Name == "ca" && ServiceAccountKeyProblem(pki) is { } saProblem)
        {
            throw new KubePkiException(
                $"invalid or incomplete external CA: failure loading key for service account: {saProblem}",
                KubePkiErrorKind.InvalidFile
            );
        }
        return true;
    }

    /// <summary>kubeadm's validatePrivatePublicKey for sa: sa.key and sa.pub must both exist and load.</summary>
    private static string? ServiceAccountKeyProblem(PkiDirectory pki)
    {
        var keyPath = pki.KeyPath("sa");
        var publicPath = pki.PublicKeyPath("sa");
        foreach (var path in new[] { keyPath, publicPath })
        {
            if (!pki.Store.Exists(path))
            {
                return $"{path} does not exist";
            }
        }
        try
        {
            using var key = pki.ReadKey("sa");
            PemCodec.DecodePublicKey(pki.Store.ReadText(publicPath), publicPath);
        }
        catch (KubePkiException e)
        {
            return e.Message;
        }
        return null;
    }
}
