using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Monitoring;

/// <summary>A kubeadm node's certificates, found through the catalog check-expiration uses: the CAs and leaves of the
/// cert dir, the kubeconfigs of the kubeconfig dir and, on request, the kubelet's certificates. Each file gives its
/// x509 series; each check-expiration row also gives one <see cref="KubeadmCertificateSeries"/> under its kubeadm
/// name. A catalog file that does not exist (external etcd, no super-admin.conf) is skipped, not an error.</summary>
internal sealed class KubeadmSource(string? certDir, string? kubeconfigDir, string? kubeletDir, FileContentCache cache)
    : ICertificateSource
{
    public void Collect(Scrape scrape)
    {
        if (certDir is not null)
        {
            CollectCertDir(scrape, certDir);
        }
        if (kubeconfigDir is not null)
        {
            CollectKubeconfigs(scrape, kubeconfigDir);
        }
        if (kubeletDir is not null)
        {
            CollectKubelet(scrape, kubeletDir);
        }
    }

    private void CollectCertDir(Scrape scrape, string root)
    {
        var pki = new PkiDirectory(root, DiskFileStore.Instance);
        var config = new ClusterConfig { CertificatesDir = root };
        var leaves = RenewalCatalog.Items(config, pki).OfType<PkiPairItem>().Select(i => i.Definition);
        foreach (var definition in RenewalCatalog.Cas(config).Concat(leaves))
        {
            var path = pki.CertPath(definition.BaseName);
            if (!File.Exists(path) || new PemFileSource(path, cache).Read(scrape) is not { } certificates)
            {
                continue;
            }
            scrape.AddAll(FileLabels.For(path), certificates);
            var caName = definition.CaName ?? definition.Name;
            // External CA mode as kubeadm detects it: the CA certificate is there, its key is not.
            var caBase = CertCatalog.Get(caName).BaseName;
            var external = pki.CertExists(caBase) && !pki.KeyExists(caBase);
            scrape.Kubeadm.Add(
                new KubeadmCertificateSeries(definition.Name, definition.CaName, external, certificates[0].NotAfter)
            );
        }
    }

    private void CollectKubeconfigs(Scrape scrape, string root)
    {
        var ca = new PkiDirectory(certDir ?? ClusterConfig.DefaultCertificatesDir, DiskFileStore.Instance);
        var caExternal = ca.CertExists(CertCatalog.Ca.BaseName) && !ca.KeyExists(CertCatalog.Ca.BaseName);
        foreach (var definition in KubeconfigCatalog.All)
        {
            var path = Path.Combine(root, definition.FileName);
            if (!File.Exists(path))
            {
                continue;
            }
            var client = new KubeconfigSource(path, cache).Read(scrape);
            // kubelet.conf is the kubelet's to rotate; check-expiration leaves it out, so do these series.
            if (definition.Renewable && client is [var first, ..])
            {
                scrape.Kubeadm.Add(
                    new KubeadmCertificateSeries(definition.FileName, CertCatalog.Ca.Name, caExternal, first.NotAfter)
                );
            }
        }
    }

    // check-expiration --include-kubelet's two rows: the rotated client cert, and the serving cert (rotated if
    // serverTLSBootstrap, else self-signed kubelet.crt).
    private void CollectKubelet(Scrape scrape, string root)
    {
        var client = Path.Combine(root, "kubelet-client-current.pem");
        var rotatedServing = Path.Combine(root, "kubelet-server-current.pem");
        var selfSigned = Path.Combine(root, "kubelet.crt");
        var serving = File.Exists(rotatedServing) ? rotatedServing : selfSigned;
        var rows = new[]
        {
            ("kubelet-client", client, "ca"),
            ("kubelet-serving", serving, serving == selfSigned ? "self-signed" : "ca"),
        };
        foreach (var (name, path, caName) in rows)
        {
            if (File.Exists(path) && new PemFileSource(path, cache).Read(scrape) is { } certificates)
            {
                scrape.AddAll(FileLabels.For(path), certificates);
                scrape.Kubeadm.Add(new KubeadmCertificateSeries(name, caName, false, certificates[0].NotAfter));
            }
        }
    }
}
