namespace KubePki.Monitoring;

/// <summary>One x509-certificate-exporter certificate series: where it came from (file, kubeconfig entry or Secret
/// key labels) plus the certificate's own labels.</summary>
internal sealed record CertificateSeries(IReadOnlyList<Label> SourceLabels, ParsedCertificate Certificate);

/// <summary>One row of check-expiration as a series: a kubeadm certificate by its kubeadm name.</summary>
internal sealed record KubeadmCertificateSeries(
    string Name,
    string? CaName,
    bool ExternallyManaged,
    DateTimeOffset NotAfter
);

/// <summary>One read failure. <paramref name="Source"/> is the file's or Secret key's labels when the failure
/// belongs to one (its x509_cert_error is 1), null when it does not (a pattern that matches nothing, a failed list
/// of the API).</summary>
internal sealed record ReadError(string Message, IReadOnlyList<Label>? Source);

/// <summary>What one scrape found: the series, the sources that gave certificates and the read errors (each one
/// counted in x509_read_errors).</summary>
internal sealed class Scrape
{
    public List<CertificateSeries> Certificates { get; } = [];

    public List<KubeadmCertificateSeries> Kubeadm { get; } = [];

    public List<ReadError> Errors { get; } = [];

    /// <summary>The labels of every file or Secret key that gave at least one certificate (x509_cert_error
    /// 0).</summary>
    public List<IReadOnlyList<Label>> Sources { get; } = [];

    /// <summary>Files already read in this scrape: as upstream, a path watched twice (by -f and -d, or by a pattern
    /// and the kubeadm catalog) is read and reported once.</summary>
    public HashSet<string> SeenPaths { get; } = new(StringComparer.Ordinal);

    public void AddAll(IReadOnlyList<Label> sourceLabels, IReadOnlyList<ParsedCertificate> certificates)
    {
        if (certificates.Count > 0)
        {
            Sources.Add(sourceLabels);
        }
        foreach (var certificate in certificates)
        {
            Certificates.Add(new CertificateSeries(sourceLabels, certificate));
        }
    }

    public void Error(string message, IReadOnlyList<Label>? source = null) =>
        Errors.Add(new ReadError(message, source));
}

/// <summary>A place certificates are read from at each scrape.</summary>
internal interface ICertificateSource
{
    void Collect(Scrape scrape);
}
