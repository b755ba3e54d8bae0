using KubePki.Configuration;

namespace KubePki.Monitoring;

/// <summary>Where the exporter looks, from its flags. With no file source at all it watches kubeadm's default
/// layout (/etc/kubernetes/pki and /etc/kubernetes), as check-expiration does.</summary>
public sealed record ExporterSources
{
    /// <summary>The cert dir (<c>--cert-dir</c>): x509 series per file plus one kubeadm series per certificate
    /// check-expiration lists.</summary>
    public string? CertDir { get; init; }

    /// <summary>The kubeconfig dir (<c>--kubeconfig-dir</c>): the certificates embedded in kubeadm's
    /// kubeconfigs.</summary>
    public string? KubeconfigDir { get; init; }

    /// <summary>The kubelet's certificate dir when --include-kubelet is given.</summary>
    public string? KubeletDir { get; init; }

    /// <summary>PEM files to watch (<c>-f/--watch-file</c>): paths or Go globs, expanded at every scrape; every
    /// certificate of a bundle is its own series.</summary>
    public IReadOnlyList<string> WatchFiles { get; init; } = [];

    /// <summary>Directories whose files are watched (<c>-d/--watch-dir</c>): paths or Go globs.</summary>
    public IReadOnlyList<string> WatchDirs { get; init; } = [];

    /// <summary>Kubeconfigs whose embedded or referenced certificates are watched (<c>-k/--watch-kubeconf</c>): paths
    /// or Go globs.</summary>
    public IReadOnlyList<string> WatchKubeconfigs { get; init; } = [];

    /// <summary>Leave out symbolic links found by the watch patterns (<c>--skip-symlinks</c>).</summary>
    public bool SkipSymlinks { get; init; }

    /// <summary>Secrets come in through a watch; files do not need it.</summary>
    public bool Secrets { get; init; }

    internal IReadOnlyList<ICertificateSource> Create(FileContentCache cache, SecretCertificates? secrets)
    {
        var explicitFiles =
            CertDir is not null
            || KubeconfigDir is not null
            || WatchFiles.Count > 0
            || WatchDirs.Count > 0
            || WatchKubeconfigs.Count > 0;
        var certDir = CertDir ?? (explicitFiles || Secrets ? null : ClusterConfig.DefaultCertificatesDir);
        var kubeconfigDir = KubeconfigDir ?? (explicitFiles || Secrets ? null : ClusterConfig.DefaultKubeconfigDir);
        var sources = new List<ICertificateSource>();
        if (certDir is not null || kubeconfigDir is not null || KubeletDir is not null)
        {
            sources.Add(new KubeadmSource(certDir, kubeconfigDir, KubeletDir, cache));
        }
        // Upstream's order: files, kubeconfigs, directories; a path is read by the first that matches it.
        sources.AddRange(WatchFiles.Select(f => new WatchedFiles(f, cache, SkipSymlinks)));
        sources.AddRange(WatchKubeconfigs.Select(k => new WatchedKubeconfigs(k, cache, SkipSymlinks)));
        sources.AddRange(WatchDirs.Select(d => new WatchedDirectories(d, cache, SkipSymlinks)));
        if (secrets is not null)
        {
            sources.Add(secrets);
        }
        sources.Add(new FileCacheSweep(cache));
        return sources;
    }
}
