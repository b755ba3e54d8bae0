using System.Globalization;
using System.Text;
using System.Text.Json;
using KubePki.GoText;
using KubePki.Lifecycle;
using YamlDotNet.RepresentationModel;

namespace KubePki.Cli.Rendering;

/// <summary>check-expiration's three output forms: kubeadm's text tables, and output.kubeadm.k8s.io/v1alpha3
/// CertificateExpirationInfo as JSON (Go's 4-space MarshalIndent, struct field order) or YAML (sorted keys).</summary>
public static class ExpirationPrinter
{
    public const string ApiVersion = "output.kubeadm.k8s.io/v1alpha3";
    public const string Kind = "CertificateExpirationInfo";

    public static string Text(ExpirationInfo info)
    {
        var table = new TabWriter(minWidth: 10, padding: 3);
        table.WriteLine("CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED");
        foreach (var cert in info.Certificates)
        {
            table.WriteLine(
                cert.Missing
                    ? $"!MISSING! {cert.Name}\t\t\t\t"
                    : $"{cert.Name}\t{Expires(cert)}\t{Residual(cert)}\t{cert.CaName}\t"
                        + $"{YesNo(cert.ExternallyManaged), -8}"
            );
        }
        table.WriteLine();
        table.WriteLine("CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED");
        foreach (var ca in info.CertificateAuthorities)
        {
            table.WriteLine(
                ca.Missing
                    ? $"!MISSING! {ca.Name}\t\t\t"
                    : $"{ca.Name}\t{Expires(ca)}\t{Residual(ca)}\t{YesNo(ca.ExternallyManaged), -8}"
            );
        }
        return table.Flush();
    }

    public static string Json(ExpirationInfo info)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            json.WriteString("apiVersion", ApiVersion);
            WriteList(json, "certificates", info.Certificates);
            WriteList(json, "certificateAuthorities", info.CertificateAuthorities);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string Yaml(ExpirationInfo info)
    {
        static YamlSequenceNode List(IEnumerable<ExpirationEntry> entries) =>
            new(
                entries.Select(e =>
                {
                    var map = new YamlMappingNode();
                    if (e.CaName is not null)
                    {
                        map.Add("caName", e.CaName);
                    }
                    map.Add(
                        "expirationDate",
                        e.ExpirationDate is { } date ? new YamlScalarNode(Rfc3339(date)) : Raw("null")
                    );
                    map.Add("externallyManaged", Raw(e.ExternallyManaged ? "true" : "false"));
                    map.Add("missing", Raw(e.Missing ? "true" : "false"));
                    map.Add("name", e.Name);
                    map.Add("residualTime", Raw(e.ResidualTimeSeconds.ToString(CultureInfo.InvariantCulture)));
                    return (YamlNode)map;
                })
            );
        var root = new YamlMappingNode
        {
            { "apiVersion", ApiVersion },
            { "certificateAuthorities", List(info.CertificateAuthorities) },
            { "certificates", List(info.Certificates) },
            { "kind", Kind },
        };
        return YamlText.Write(root);
    }

    private static void WriteList(Utf8JsonWriter json, string name, IEnumerable<ExpirationEntry> entries)
    {
        json.WriteStartArray(name);
        foreach (var e in entries)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            if (e.ExpirationDate is { } date)
            {
                json.WriteString("expirationDate", Rfc3339(date));
            }
            else
            {
                json.WriteNull("expirationDate");
            }
            json.WriteNumber("residualTime", e.ResidualTimeSeconds);
            json.WriteBoolean("externallyManaged", e.ExternallyManaged);
            if (e.CaName is not null)
            {
                json.WriteString("caName", e.CaName);
            }
            json.WriteBoolean("missing", e.Missing);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static string Expires(ExpirationEntry entry) =>
        entry.ExpirationDate!.Value.UtcDateTime.ToString("MMM dd, yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Rfc3339(DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Residual(ExpirationEntry entry) => HumanDuration.FormatShort(entry.ResidualTimeSeconds);

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static YamlScalarNode Raw(string value) => new(value) { Style = YamlDotNet.Core.ScalarStyle.Plain };
}
