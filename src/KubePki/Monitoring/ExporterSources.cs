using KubePki.Configuration;

namespace KubePki.Monitoring;

/// <summary>Where the exporter looks, from its flags. With no file source at all it watches kubeadm's default
/// layout (/etc/kubernetes/pki and /etc/kubernetes), as check-expiration does.</summary>
public sealed record ExporterSources
{
    public string? CertDir { get; init; }

    public string? KubeconfigDir { get; init; }

    /// <summary>The kubelet's certificate dir when --include-kubelet is given.</summary>
    public string? KubeletDir { get; init; }

    public IReadOnlyList<string> WatchFiles { get; init; } = [];

    public IReadOnlyList<string> WatchDirs { get; init; } = [];

    /// <summary>Secrets come in through a watch; files do not need it.</summary>
    public bool Secrets { get; init; }

    internal IReadOnlyList<ICertificateSource> Create(FileContentCache cache, SecretCertificates? secrets)
    {
        var explicitFiles =
            CertDir is not null || KubeconfigDir is not null || WatchFiles.Count > 0 || WatchDirs.Count > 0;
        var certDir = CertDir ?? (explicitFiles || Secrets ? null : ClusterConfig.DefaultCertificatesDir);
        var kubeconfigDir = KubeconfigDir ?? (explicitFiles || Secrets ? null : ClusterConfig.DefaultKubeconfigDir);
        var sources = new List<ICertificateSource>();
        if (certDir is not null || kubeconfigDir is not null || KubeletDir is not null)
        {
            sources.Add(new KubeadmSource(certDir, kubeconfigDir, KubeletDir, cache));
        }
        sources.AddRange(WatchFiles.Select(f => new PemFileSource(f, cache)));
        sources.AddRange(WatchDirs.Select(d => new PemDirectorySource(d, cache)));
        if (secrets is not null)
        {
            sources.Add(secrets);
        }
        return sources;
    }
}
