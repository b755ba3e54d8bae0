using System.Globalization;
using System.Text;
using System.Text.Json;
using KubePki.GoText;
using KubePki.Rotation;
using YamlDotNet.RepresentationModel;

namespace KubePki.Cli.Rendering;

/// <summary>What <c>ca rotate</c> prints: a phase's outcome with next steps, and <c>status</c> as a table, JSON or
/// YAML.</summary>
public static class RotationPrinter
{
    public static void Outcome(TextWriter output, string name, string phase, RotationOutcome outcome, bool dryRun)
    {
        if (dryRun)
        {
            output.WriteLine($"[dryrun] {phase} {name}: nothing was changed");
            return;
        }
        output.WriteLine(
            outcome.Changed.Count == 0
                ? $"[ca rotate] {phase} {name}: nothing to change, every file is already as the phase wants it"
                : $"[ca rotate] {phase} {name}: {outcome.Changed.Count} file(s) "
                    + $"changed{(outcome.BackupPath is { } backup ? $", backups in {backup}" : "")}"
        );
        output.WriteLine($"[ca rotate] {name} is now in phase {(int)outcome.Phase}: {Describe(outcome.Phase)}");
        if (outcome.NextSteps.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Next steps outside this node:");
            for (var i = 0; i < outcome.NextSteps.Count; i++)
            {
                output.WriteLine($"  {i + 1}. {outcome.NextSteps[i]}");
            }
        }
    }

    public static string Describe(RotationPhase phase) =>
        phase switch
        {
            RotationPhase.Trusting => "both CAs are trusted, the old CA signs",
            RotationPhase.Issued => "both CAs are trusted, the new CA signs",
            _ => "no rotation under way",
        };

    public static string Text(RotationStatus status)
    {
        var text = new StringBuilder();
        text.Append(
            CultureInfo.InvariantCulture,
            $"CA ROTATION {status.Name}: phase {(int)status.Phase} " + $"({Describe(status.Phase)})\n"
        );
        if (status.Pending is { } pending)
        {
            text.Append(CultureInfo.InvariantCulture, $"PENDING: {pending}\n");
        }
        text.Append('\n');
        var cas = new TabWriter(minWidth: 10, padding: 3);
        cas.WriteLine("CA\tSUBJECT\tSHA-256 FINGERPRINT\tEXPIRES\tSUBJECT KEY ID");
        foreach (var ca in status.Cas)
        {
            var keyId = ca.HasSubjectKeyId ? "yes" : "no";
            cas.WriteLine($"{ca.Role}\t{ca.Subject}\t{ca.Sha256Fingerprint}\t{Expires(ca.NotAfter)}\t{keyId}");
        }
        text.Append(cas.Flush()).Append('\n');
        var files = new TabWriter(minWidth: 10, padding: 3);
        files.WriteLine("FILE\tTRUSTS\tSIGNED BY");
        foreach (var file in status.Files)
        {
            var trusts = file.Trusts.Count == 0 ? "-" : string.Join(",", file.Trusts);
            files.WriteLine($"{file.Path}\t{trusts}\t{file.SignedBy ?? "-"}");
        }
        return text.Append(files.Flush()).ToString();
    }

    public static string Json(RotationStatus status)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            json.WriteStartObject();
            json.WriteString("name", status.Name);
            json.WriteNumber("phase", (int)status.Phase);
            json.WriteString("description", Describe(status.Phase));
            if (status.Pending is { } pending)
            {
                json.WriteString("pending", pending);
            }
            json.WriteStartArray("certificateAuthorities");
            foreach (var ca in status.Cas)
            {
                json.WriteStartObject();
                json.WriteString("role", ca.Role);
                json.WriteString("subject", ca.Subject);
                json.WriteString("sha256Fingerprint", ca.Sha256Fingerprint);
                json.WriteString("expirationDate", Rfc3339(ca.NotAfter));
                json.WriteBoolean("subjectKeyIdentifier", ca.HasSubjectKeyId);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("files");
            foreach (var file in status.Files)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                json.WriteStartArray("trusts");
                foreach (var role in file.Trusts)
                {
                    json.WriteStringValue(role);
                }
                json.WriteEndArray();
                if (file.SignedBy is { } signer)
                {
                    json.WriteString("signedBy", signer);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string Yaml(RotationStatus status)
    {
        var root = new YamlMappingNode
        {
            {
                "certificateAuthorities",
                new YamlSequenceNode(
                    status.Cas.Select(ca =>
                        (YamlNode)
                            new YamlMappingNode
                            {
                                { "expirationDate", Rfc3339(ca.NotAfter) },
                                { "role", ca.Role },
                                { "sha256Fingerprint", ca.Sha256Fingerprint },
                                { "subject", ca.Subject },
                                { "subjectKeyIdentifier", Raw(ca.HasSubjectKeyId ? "true" : "false") },
                            }
                    )
                )
            },
            { "description", Describe(status.Phase) },
            {
                "files",
                new YamlSequenceNode(
                    status.Files.Select(file =>
                    {
                        var map = new YamlMappingNode { { "path", file.Path } };
                        if (file.SignedBy is { } signer)
                        {
                            map.Add("signedBy", signer);
                        }
                        map.Add(
                            "trusts",
                            new YamlSequenceNode(file.Trusts.Select(t => (YamlNode)new YamlScalarNode(t)))
                        );
                        return (YamlNode)map;
                    })
                )
            },
            { "name", status.Name },
        };
        if (status.Pending is { } pending)
        {
            root.Add("pending", pending);
        }
        root.Add("phase", Raw(((int)status.Phase).ToString(CultureInfo.InvariantCulture)));
        return YamlText.Write(root);
    }

    private static string Expires(DateTimeOffset date) =>
        date.UtcDateTime.ToString("MMM dd, yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Rfc3339(DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static YamlScalarNode Raw(string value) => new(value) { Style = YamlDotNet.Core.ScalarStyle.Plain };
}
