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

/// <summary>What one scrape found: the series and the read errors (one per unreadable or corrupt source).</summary>
internal sealed class Scrape
{
    public List<CertificateSeries> Certificates { get; } = [];

    public List<KubeadmCertificateSeries> Kubeadm { get; } = [];

    public List<string> Errors { get; } = [];

    public void AddAll(IReadOnlyList<Label> sourceLabels, IEnumerable<ParsedCertificate> certificates)
    {
        foreach (var certificate in certificates)
        {
            Certificates.Add(new CertificateSeries(sourceLabels, certificate));
        }
    }
}

/// <summary>A place certificates are read from at each scrape.</summary>
internal interface ICertificateSource
{
    void Collect(Scrape scrape);
}
