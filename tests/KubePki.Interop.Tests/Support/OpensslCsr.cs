using System.Text.RegularExpressions;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>A certificate signing request as openssl reads it back (<c>openssl req -noout -verify -subject -pubkey
/// -text</c>):
/// whether its self-signature verifies, its subject, its requested extensions and its public key.</summary>
public sealed class OpensslCsr
{
    private OpensslCsr(
        string path,
        string text,
        bool signatureVerified,
        string subject,
        string publicKeyPem,
        IReadOnlyDictionary<string, (bool Critical, string Value)> requestedExtensions
    )
    {
        Path = path;
        Text = text;
        SignatureVerified = signatureVerified;
        Subject = subject;
        PublicKeyPem = publicKeyPem;
        RequestedExtensions = requestedExtensions;
    }

    public string Path { get; }

    public string Text { get; }

    /// <summary>openssl said <c>Certificate request self-signature verify OK</c>.</summary>
    public bool SignatureVerified { get; }

    /// <summary>Subject in openssl's one-line form, as <see cref="OpensslCert.Subject"/>.</summary>
    public string Subject { get; }

    public string PublicKeyPem { get; }

    /// <summary>The extensions the CSR asks for, by openssl's display name.</summary>
    public IReadOnlyDictionary<string, (bool Critical, string Value)> RequestedExtensions { get; }

    /// <summary>Requested SAN entries as openssl prints them (<c>DNS:x</c>, <c>IP Address:1.2.3.4</c>).</summary>
    public IReadOnlyList<string> Sans =>
        RequestedExtensions.TryGetValue("X509v3 Subject Alternative Name", out var san)
            ? san.Value.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    public static OpensslCsr Read(string csrPath)
    {
        var result = ExternalTool.Openssl("req", "-in", csrPath, "-noout", "-verify", "-subject", "-pubkey", "-text");
        Assert.True(result.ExitCode == 0, $"openssl req -verify {csrPath} failed ({result.ExitCode}): {result.All}");
        var output = result.Out;
        var subject = Regex.Match(output, "^subject=(.*)$", RegexOptions.Multiline);
        Assert.True(subject.Success, $"no subject= in openssl output for {csrPath}: {output}");
        var pem = Regex.Match(
            output,
            "-----BEGIN PUBLIC KEY-----\n.*?-----END PUBLIC KEY-----\n",
            RegexOptions.Singleline
        );
        Assert.True(pem.Success, $"no public key in openssl output for {csrPath}: {output}");
        return new OpensslCsr(
            csrPath,
            output,
            result.Error.Contains("Certificate request self-signature verify OK"),
            subject.Groups[1].Value.Trim(),
            pem.Value,
            OpensslCert.ParseExtensions(output, "Requested Extensions:")
        );
    }

    /// <summary><c>openssl pkey -pubout</c> of a private key file, to compare with <see
    /// cref="PublicKeyPem"/>.</summary>
    public static string PublicKeyOf(string keyPath) => ExternalTool.OpensslOk("pkey", "-in", keyPath, "-pubout");
}
