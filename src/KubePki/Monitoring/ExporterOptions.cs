namespace KubePki.Monitoring;

/// <summary>What the exporter reports besides the always-on series.</summary>
public sealed record ExporterOptions
{
    /// <summary>x509_cert_expires_in_seconds and x509_cert_valid_since_seconds: off by default, as in
    /// x509-certificate-exporter (--expose-relative-metrics), because they change at every scrape and compress badly;
    /// <c>x509_cert_not_after - time()</c> gives the same in PromQL.</summary>
    public bool ExposeRelativeMetrics { get; init; }

    /// <summary>x509_cert_error, 0 or 1 per file or Secret key (<c>--expose-per-cert-error-metrics</c>).</summary>
    public bool ExposePerCertErrorMetrics { get; init; }

    /// <summary>Leading path elements dropped from the filepath label (<c>--trim-path-components</c>); a leading "/"
    /// is kept and does not count.</summary>
    public int TrimPathComponents { get; init; }

    /// <summary>The only labels the certificate series and x509_cert_error carry (<c>-l/--expose-labels</c>); null
    /// for all of them.</summary>
    public IReadOnlyList<string>? ExposeLabels { get; init; }

    /// <summary>The labels of x509_exporter_build_info.</summary>
    public BuildInfo Build { get; init; } = BuildInfo.Unknown;
}

/// <summary>The labels of x509_exporter_build_info. Label names are x509-certificate-exporter's (a Go program) so
/// queries on them keep working; goversion carries the .NET runtime version.</summary>
/// <param name="Version">The <c>version</c> label.</param>
/// <param name="Revision">The <c>revision</c> label (the source commit).</param>
/// <param name="Built">The <c>built</c> label (build date).</param>
public sealed record BuildInfo(string Version, string Revision, string Built)
{
    /// <summary>Empty labels.</summary>
    public static BuildInfo Unknown { get; } = new("", "", "");

    /// <summary>From an assembly's informational version, "1.2.3+commit".</summary>
    public static BuildInfo FromInformationalVersion(string? informational)
    {
        var text = informational ?? "";
        var plus = text.IndexOf('+');
        return plus < 0 ? new BuildInfo(text, "", "") : new BuildInfo(text[..plus], text[(plus + 1)..], "");
    }
}
