using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubePki.Files;

namespace KubePki.Controller.Exporter;

/// <summary><c>tls_server_config</c> of a web config file, its file names already made absolute.</summary>
internal sealed record WebTlsConfig(
    string? CertFile,
    string? KeyFile,
    string? Cert,
    string? Key,
    ClientAuth ClientAuth,
    string? ClientCaFile,
    SslProtocols MinVersion,
    SslProtocols MaxVersion
)
{
    private const long MaxPemBytes = 1 << 20;

    /// <summary>The serving certificate with its key and the rest of the chain; throws
    /// <see cref="KubePkiException"/> naming the file.</summary>
    public SslStreamCertificateContext LoadCertificate()
    {
        var certPem = CertFile is null ? Cert! : Read(CertFile);
        var keyPem = KeyFile is null ? Key! : Read(KeyFile);
        var source = CertFile ?? "cert";
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            throw new KubePkiException(
                $"{source} and {KeyFile ?? "key"}: not a certificate and its private key: {e.Message}",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certPem);
        var intermediates = new X509Certificate2Collection(
            chain.Where(c => !c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)).ToArray()
        );
        return SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>The CAs a client certificate must chain to, or null (none configured).</summary>
    public X509Certificate2Collection? LoadClientCas()
    {
        if (ClientCaFile is null)
        {
            return null;
        }
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPem(Read(ClientCaFile));
        }
        catch (CryptographicException e)
        {
            throw new KubePkiException($"{ClientCaFile}: {e.Message}", KubePkiErrorKind.InvalidFile, e);
        }
        return cas.Count > 0
            ? cas
            : throw new KubePkiException($"{ClientCaFile}: no certificate in it", KubePkiErrorKind.InvalidFile);
    }

    /// <summary>The files whose change means the certificate must be read again.</summary>
    public IEnumerable<string> Files => new[] { CertFile, KeyFile, ClientCaFile }.OfType<string>();

    private static string Read(string path) => Encoding.UTF8.GetString(SafeFileReader.Read(path, MaxPemBytes));
}

/// <summary>The TLS options for each connection, the certificate read again when its files change (as
/// exporter-toolkit reads them at every connection), so a renewed certificate is served without a restart. A failed
/// reload keeps the last good certificate.</summary>
internal sealed class ServingCertificate(WebTlsConfig config)
{
    private readonly Lock _lock = new();
    private DateTime[] _stamps = [];
    private SslServerAuthenticationOptions? _options;

    public SslServerAuthenticationOptions Options()
    {
        lock (_lock)
        {
            var stamps = config.Files.Select(File.GetLastWriteTimeUtc).ToArray();
            if (_options is null || !stamps.SequenceEqual(_stamps))
            {
                try
                {
                    _options = Build();
                    _stamps = stamps;
                }
                catch (KubePkiException) when (_options is not null) { }
            }
            return _options;
        }
    }

    private SslServerAuthenticationOptions Build()
    {
        var context = config.LoadCertificate();
        var cas = config.LoadClientCas();
        var auth = config.ClientAuth;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = Protocols(config.MinVersion, config.MaxVersion),
            ClientCertificateRequired = auth != ClientAuth.NoClientCert,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                Accept(
                    auth,
                    // SslStream hands over an X509Certificate2 already; copying it would leak one per connection.
                    certificate as X509Certificate2
                        ?? (
                            certificate is null
                                ? null
                                : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())
                        ),
                    cas
                ),
        };
    }

    // Go's ClientAuthType: whether a certificate must be sent, and whether a sent one must chain to the client CAs.
    private static bool Accept(ClientAuth auth, X509Certificate2? certificate, X509Certificate2Collection? cas)
    {
        var required = auth is ClientAuth.RequireAnyClientCert or ClientAuth.RequireAndVerifyClientCert;
        var verified = auth is ClientAuth.VerifyClientCertIfGiven or ClientAuth.RequireAndVerifyClientCert;
        if (certificate is null)
        {
            return !required;
        }
        if (!verified)
        {
            return true;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        if (cas is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        }
        return chain.Build(certificate);
    }

    private static SslProtocols Protocols(SslProtocols min, SslProtocols max) =>
        (min, max) switch
        {
            (SslProtocols.Tls13, _) => SslProtocols.Tls13,
            (_, SslProtocols.Tls12) => SslProtocols.Tls12,
            _ => SslProtocols.Tls12 | SslProtocols.Tls13,
        };
}
