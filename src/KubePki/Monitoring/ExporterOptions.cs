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
public sealed record BuildInfo
{
    /// <summary>The <c>version</c> label.</summary>
    public string Version { get; init; } = "";

    /// <summary>The <c>revision</c> label (the source commit).</summary>
    public string Revision { get; init; } = "";

    /// <summary>The <c>built</c> label (build date).</summary>
    public string Built { get; init; } = "";

    /// <summary>Empty labels.</summary>
    public static BuildInfo Unknown { get; } = new();

    /// <summary>From an assembly's informational version, "1.2.3+commit".</summary>
    public static BuildInfo FromInformationalVersion(string? informational)
    {
        var text = informational ?? "";
        var plus = text.IndexOf('+');
        return plus < 0
            ? new BuildInfo { Version = text }
            : new BuildInfo { Version = text[..plus], Revision = text[(plus + 1)..] };
    }
}
