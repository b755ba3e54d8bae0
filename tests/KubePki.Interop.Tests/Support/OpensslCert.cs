using System.Globalization;
using System.Text.RegularExpressions;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>A certificate as openssl reads it back: <c>openssl x509 -noout -text</c>, <c>-subject</c>, <c>-dates</c>.
/// Every field comes from openssl's own rendering, never from .NET's parser.</summary>
public sealed partial class OpensslCert
{
    private OpensslCert(
        string path,
        string text,
        string subject,
        string issuer,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        string publicKeyPem,
        IReadOnlyDictionary<string, (bool Critical, string Value)> extensions
    )
    {
        PublicKeyPem = publicKeyPem;
        Path = path;
        Text = text;
        Subject = subject;
        Issuer = issuer;
        NotBefore = notBefore;
        NotAfter = notAfter;
        Extensions = extensions;
    }

    public string Path { get; }

    /// <summary>The whole <c>-text</c> rendering, for messages and key-type checks.</summary>
    public string Text { get; }

    /// <summary>Subject in openssl's default one-line form, attributes in DER order: <c>O = a, CN = b</c>.</summary>
    public string Subject { get; }

    public string Issuer { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary><c>openssl x509 -pubkey</c>: the SPKI PEM, to compare with <c>openssl pkey -pubout</c> of the key
    /// file.</summary>
    public string PublicKeyPem { get; }

    /// <summary>X509v3 extensions by openssl's display name (<c>X509v3 Key Usage</c>, ...).</summary>
    public IReadOnlyDictionary<string, (bool Critical, string Value)> Extensions { get; }

    public (bool Critical, string Value)? Extension(string name) => Extensions.TryGetValue(name, out var e) ? e : null;

    /// <summary>SAN entries as openssl prints them: <c>DNS:x</c>, <c>IP Address:1.2.3.4</c>; empty when there is no
    /// SAN.</summary>
    public IReadOnlyList<string> Sans =>
        Extension("X509v3 Subject Alternative Name") is { } san
            ? san.Value.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    public string PublicKeyAlgorithm => Field(Text, "Public Key Algorithm");

    public string SignatureAlgorithm => Field(Text, "Signature Algorithm");

    public static OpensslCert Read(string certPath)
    {
        // One openssl run: the one-line fields first, then the SPKI PEM, then the -text dump.
        var output = ExternalTool.OpensslOk(
            "x509",
            "-in",
            certPath,
            "-noout",
            "-subject",
            "-issuer",
            "-dates",
            "-dateopt",
            "iso_8601",
            "-pubkey",
            "-text"
        );
        var pemEnd = output.IndexOf("-----END PUBLIC KEY-----\n", StringComparison.Ordinal);
        Assert.True(pemEnd > 0, $"no public key in openssl output for {certPath}: {output}");
        pemEnd += "-----END PUBLIC KEY-----\n".Length;
        var head = output[..pemEnd];
        var pemStart = head.IndexOf("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal);
        var text = output[pemEnd..];
        return new OpensslCert(
            certPath,
            text,
            Line(head, "subject"),
            Line(head, "issuer"),
            Date(head, "notBefore"),
            Date(head, "notAfter"),
            head[pemStart..],
            ParseExtensions(text)
        );
    }

    private static string Line(string head, string name)
    {
        var match = Regex.Match(head, $"^{name}=(.*)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {name}= in openssl output: {head}");
        return match.Groups[1].Value.Trim();
    }

    private static DateTimeOffset Date(string dates, string name)
    {
        var match = Regex.Match(dates, $"^{name}=(.+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {name} in openssl output: {dates}");
        return DateTimeOffset.ParseExact(
            match.Groups[1].Value.Trim(),
            "yyyy-MM-dd HH:mm:ss'Z'",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal
        );
    }

    private static string Field(string text, string name)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(name)}:\s*(.+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no '{name}' in openssl output: {text}");
        return match.Groups[1].Value.Trim();
    }

    /// <summary>Parses an extensions block of openssl's <c>-text</c> rendering ("X509v3 extensions:" of a certificate,
    /// "Requested Extensions:" of a CSR): a header line per extension ("Name: critical"), indented value lines below.
    /// An empty block (the next line is not indented deeper than the label) gives no extensions.</summary>
    internal static Dictionary<string, (bool, string)> ParseExtensions(
        string text,
        string blockLabel = "X509v3 extensions:"
    )
    {
        var result = new Dictionary<string, (bool, string)>();
        var lines = text.Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == blockLabel);
        if (start < 0 || start + 1 >= lines.Length || Indent(lines[start + 1]) <= Indent(lines[start]))
        {
            return result;
        }
        var headerIndent = Indent(lines[start + 1]);
        string? name = null;
        var critical = false;
        var values = new List<string>();
        void Flush()
        {
            if (name is not null)
            {
                result[name] = (critical, string.Join(" ", values));
            }
        }
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var indent = Indent(line);
            if (indent < headerIndent)
            {
                break;
            }
            if (indent == headerIndent)
            {
                Flush();
                var header = HeaderPattern().Match(line.Trim());
                name = header.Groups[1].Value;
                critical = header.Groups[2].Value == "critical";
                values = [];
            }
            else
            {
                values.Add(line.Trim());
            }
        }
        Flush();
        return result;
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    [GeneratedRegex(@"^(.+?):\s*(critical)?$")]
    private static partial Regex HeaderPattern();
}
