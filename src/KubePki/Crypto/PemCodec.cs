using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Crypto;

/// <summary>PEM text ↔ keys and certificates. Works on text; <c>source</c> names the file in error messages.</summary>
internal static class PemCodec
{
    public const string CertificateLabel = "CERTIFICATE";

    /// <summary>All CERTIFICATE blocks, leaf first (kubeadm accepts a chain: leaf then intermediates).</summary>
    public static IReadOnlyList<X509Certificate2> DecodeCertificates(ReadOnlySpan<char> pem, string source)
    {
        var result = new List<X509Certificate2>();
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual(CertificateLabel))
            {
                try
                {
                    var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    var certificate = X509CertificateLoader.LoadCertificate(der);
                    // OpenSSL re-encodes parts it could not keep (a malformed signature algorithm, say): such a
                    // certificate is not the one in the file, and its bytes may not even load again.
                    var problem = certificate.RawData.AsSpan().SequenceEqual(der)
                        ? CertificateEncoding.Problem(certificate)
                        : "its encoding does not survive a read (not DER)";
                    if (problem is not null)
                    {
                        certificate.Dispose();
                        throw new KubePkiException(
                            $"{source}: malformed certificate: {problem}",
                            KubePkiErrorKind.InvalidFile
                        );
                    }
                    result.Add(certificate);
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    throw new KubePkiException(
                        $"{source}: malformed certificate: {FirstLine(e.Message)}",
                        KubePkiErrorKind.InvalidFile,
                        e
                    );
                }
            }
            rest = rest[fields.Location.End..];
        }
        if (result.Count == 0)
        {
            throw new KubePkiException(
                $"{source}: no PEM block of type \"CERTIFICATE\" found",
                KubePkiErrorKind.InvalidFile
            );
        }
        return result;
    }

    public static X509Certificate2 DecodeCertificate(ReadOnlySpan<char> pem, string source) =>
        DecodeCertificates(pem, source)[0];

    /// <summary>Reads <c>RSA PRIVATE KEY</c>, <c>EC PRIVATE KEY</c> or <c>PRIVATE KEY</c> (PKCS#8), as kubeadm's
    /// keyutil does.</summary>
    public static PrivateKey DecodePrivateKey(ReadOnlySpan<char> pem, string source)
    {
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var block = rest[fields.Location].ToString();
            rest = rest[fields.Location.End..];
            try
            {
                switch (label)
                {
                    case "RSA PRIVATE KEY":
                        return ImportRsa(block);
                    case "EC PRIVATE KEY":
                        return ImportEc(block);
                    case "PRIVATE KEY":
                        try
                        {
                            return ImportRsa(block);
                        }
                        catch (CryptographicException)
                        {
                            return ImportEc(block);
                        }
                }
            }
            // An EC key on a curve this platform's OpenSSL does not know throws PlatformNotSupportedException.
            catch (Exception e) when (e is CryptographicException or ArgumentException or PlatformNotSupportedException)
            {
                throw new KubePkiException(
                    $"{source}: malformed private key in PEM block \"{label}\": {FirstLine(e.Message)}",
                    KubePkiErrorKind.InvalidFile,
                    e
                );
            }
        }
        throw new KubePkiException(
            $"{source}: no private key found (expected a PEM block \"RSA PRIVATE KEY\", \"EC PRIVATE KEY\" or "
                + $"\"PRIVATE KEY\")",
            KubePkiErrorKind.InvalidFile
        );
    }

    /// <summary>Reads a <c>PUBLIC KEY</c> (PKIX SubjectPublicKeyInfo) block, as sa.pub holds.</summary>
    public static PublicKey DecodePublicKey(ReadOnlySpan<char> pem, string source)
    {
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("PUBLIC KEY"))
            {
                try
                {
                    var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    return PublicKey.CreateFromSubjectPublicKeyInfo(der, out _);
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    throw new KubePkiException(
                        $"{source}: malformed public key: {FirstLine(e.Message)}",
                        KubePkiErrorKind.InvalidFile,
                        e
                    );
                }
            }
            rest = rest[fields.Location.End..];
        }
        throw new KubePkiException(
            $"{source}: no PEM block of type \"PUBLIC KEY\" found",
            KubePkiErrorKind.InvalidFile
        );
    }

    public static string EncodeCertificate(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    private static PrivateKey ImportRsa(string block)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(block);
            return PrivateKey.From(rsa);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static PrivateKey ImportEc(string block)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(block);
            return PrivateKey.From(ec);
        }
        catch
        {
            ec.Dispose();
            throw;
        }
    }

    internal static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
