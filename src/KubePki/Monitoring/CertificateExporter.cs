using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace KubePki.Monitoring;

/// <summary>Collects every source and renders x509-certificate-exporter's per-certificate metrics (same names, types
/// and labels, so its Grafana dashboard and alert rules work unchanged) plus kubepki_cert_not_after, one series per
/// check-expiration row, in the Prometheus text exposition format 0.0.4. Thread-safe; one scrape at a time.</summary>
public sealed class CertificateExporter
{
    /// <summary>The HTTP Content-Type of <see cref="Render()"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock _gate = new();
    private readonly IReadOnlyList<ICertificateSource> _sources;
    private readonly ExporterOptions _options;
    private readonly TimeProvider _time;

    /// <summary>An exporter of the files <paramref name="sources"/> names (the cert dir, the kubeconfigs, the kubelet's
    /// certificates, PEM files and directories). Files are re-read only when they change. Secrets need the CLI's
    /// Kubernetes watch and are not available here.</summary>
    /// <param name="sources">Where to look; with no file source at all, kubeadm's default layout.</param>
    /// <param name="options">The optional series and the build labels.</param>
    /// <param name="time">The clock of the relative metrics; the system clock when null.</param>
    public CertificateExporter(ExporterSources sources, ExporterOptions options, TimeProvider? time = null)
        : this(sources.Create(new FileContentCache(), null), options, time ?? TimeProvider.System) { }

    internal CertificateExporter(IReadOnlyList<ICertificateSource> sources, ExporterOptions options, TimeProvider time)
    {
        _sources = sources;
        _options = options;
        _time = time;
    }

    internal Scrape Collect()
    {
        var scrape = new Scrape();
        foreach (var source in _sources)
        {
            source.Collect(scrape);
        }
        return scrape;
    }

    /// <summary>One scrape: every source read now, rendered as the body of a <c>/metrics</c> response.</summary>
    public string Render()
    {
        lock (_gate)
        {
            return Render(Collect(), _time.GetUtcNow());
        }
    }

    internal string Render(Scrape scrape, DateTimeOffset now)
    {
        var series = new List<(string Labels, ParsedCertificate Certificate)>(scrape.Certificates.Count);
        var errors = new List<ReadError>(scrape.Errors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var exposed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in scrape.Certificates)
        {
            IReadOnlyList<Label> all = [.. Trimmed(item.SourceLabels), .. item.Certificate.NameLabels];
            // Upstream's duplicate check: the same labels twice (a bundle listing a CA twice, two paths that
            // --trim-path-components makes equal) is a read error of the second source, whose series is dropped.
            if (!seen.Add(LabelText(all)))
            {
                errors.Add(new ReadError("duplicate certificate", item.SourceLabels));
                continue;
            }
            var labels = LabelText(Exposed(all));
            // Fewer labels (--expose-labels) can make two series equal; Prometheus would reject the scrape: keep one.
            if (exposed.Add(labels))
            {
                series.Add((labels, item.Certificate));
            }
        }

        var text = new StringBuilder(256 + series.Count * 900);
        Family(
            text,
            "x509_cert_not_before",
            "Indicates the certificate's not before timestamp",
            series,
            c => Seconds(c.NotBefore)
        );
        Family(
            text,
            "x509_cert_not_after",
            "Indicates the certificate's not after timestamp",
            series,
            c => Seconds(c.NotAfter)
        );
        Family(
            text,
            "x509_cert_expired",
            "Indicates if the certificate is expired",
            series,
            c => now > c.NotAfter ? "1" : "0"
        );
        if (_options.ExposeRelativeMetrics)
        {
            Family(
                text,
                "x509_cert_expires_in_seconds",
                "Indicates the remaining time before the certificate's not after timestamp",
                series,
                c => Number((c.NotAfter - now).TotalSeconds)
            );
            Family(
                text,
                "x509_cert_valid_since_seconds",
                "Indicates the elapsed time since the certificate's not before timestamp",
                series,
                c => Number((now - c.NotBefore).TotalSeconds)
            );
        }
        if (_options.ExposePerCertErrorMetrics)
        {
            CertErrors(text, scrape.Sources, errors);
        }
        Header(text, "x509_read_errors", "Indicates the number of read failure(s)");
        text.Append("x509_read_errors ").Append(errors.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Header(
            text,
            "x509_exporter_build_info",
            "A metric with a constant '1' value labeled with version, revision, "
                + "build date, runtime version, OS, and architecture"
        );
        text.Append("x509_exporter_build_info")
            .Append(
                LabelText([
                    new("built", _options.Build.Built),
                    new("goarch", GoArch()),
                    new("goos", "linux"),
                    new("goversion", $"dotnet{Environment.Version}"),
                    new("revision", _options.Build.Revision),
                    new("version", _options.Build.Version),
                ])
            )
            .Append(" 1\n");
        if (scrape.Kubeadm.Count > 0)
        {
            Header(
                text,
                "kubepki_cert_not_after",
                "NotAfter of each certificate kubeadm manages, named as kubepki "
                    + "certs check-expiration and renew name it"
            );
            foreach (var row in scrape.Kubeadm)
            {
                text.Append("kubepki_cert_not_after")
                    .Append(
                        LabelText([
                            new("ca", row.CaName ?? ""),
                            new("externally_managed", row.ExternallyManaged ? "true" : "false"),
                            new("name", row.Name),
                        ])
                    )
                    .Append(' ')
                    .Append(Seconds(row.NotAfter))
                    .Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>x509_cert_error: 0 for each file or Secret key that gave certificates, 1 for each one with a read
    /// error (an error wins when both apply, as one series per label set is all Prometheus takes).</summary>
    private void CertErrors(StringBuilder text, List<IReadOnlyList<Label>> sources, List<ReadError> errors)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            values.TryAdd(LabelText(Exposed(Trimmed(source))), 0);
        }
        foreach (var error in errors.Where(e => e.Source is not null))
        {
            values[LabelText(Exposed(Trimmed(error.Source!)))] = 1;
        }
        if (values.Count == 0)
        {
            return;
        }
        Header(text, "x509_cert_error", "Indicates wether the corresponding secret has read failure(s)");
        foreach (var (labels, value) in values)
        {
            text.Append("x509_cert_error").Append(labels).Append(' ').Append(value).Append('\n');
        }
    }

    private IEnumerable<Label> Trimmed(IEnumerable<Label> labels) =>
        _options.TrimPathComponents == 0
            ? labels
            : labels.Select(l =>
                l.Name == "filepath"
                    ? l with
                    {
                        Value = GoPath.TrimComponents(l.Value, _options.TrimPathComponents),
                    }
                    : l
            );

    private IEnumerable<Label> Exposed(IEnumerable<Label> labels) =>
        _options.ExposeLabels is { } names ? labels.Where(l => names.Contains(l.Name, StringComparer.Ordinal)) : labels;

    private static void Family(
        StringBuilder text,
        string name,
        string help,
        List<(string Labels, ParsedCertificate Certificate)> series,
        Func<ParsedCertificate, string> value
    )
    {
        Header(text, name, help);
        foreach (var (labels, certificate) in series)
        {
            text.Append(name).Append(labels).Append(' ').Append(value(certificate)).Append('\n');
        }
    }

    private static void Header(StringBuilder text, string name, string help) =>
        text.Append("# HELP ")
            .Append(name)
            .Append(' ')
            .Append(help)
            .Append('\n')
            .Append("# TYPE ")
            .Append(name)
            .Append(" gauge\n");

    /// <summary>{a="1",b="2"}: names sorted as Go's client sorts them; empty values left out (Prometheus treats an
    /// empty label as absent, and upstream only sets the fields a certificate has).</summary>
    internal static string LabelText(IEnumerable<Label> labels)
    {
        var text = new StringBuilder("{");
        foreach (var label in labels.Where(l => l.Value.Length > 0).OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }
            text.Append(label.Name).Append("=\"");
            foreach (var c in label.Value)
            {
                _ = c switch
                {
                    '\\' => text.Append("\\\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append("\\n"),
                    _ => text.Append(c),
                };
            }
            text.Append('"');
        }
        return text.Length == 1 ? "" : text.Append('}').ToString();
    }

    private static string Seconds(DateTimeOffset instant) =>
        instant.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string GoArch() =>
        RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
}
