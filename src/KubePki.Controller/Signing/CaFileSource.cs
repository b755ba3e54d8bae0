using KubePki.Building;
using KubePki.Crypto;
using KubePki.Storage;

namespace KubePki.Controller.Signing;

/// <summary>A CA read from a cert and key file, re-read whenever either file's size or modification time changes
/// (KCM's dynamic serving content). A broken rewrite keeps the last good pair, so a half-written file during rotation
/// does not stop signing.</summary>
public sealed class CaFileSource : ISigningAuthoritySource
{
    private readonly object _gate = new();
    private (DateTime, long, DateTime, long) _stamp;
    private CertificateAuthority? _current;

    public CaFileSource(string certFile, string keyFile)
    {
        CertFile = certFile;
        KeyFile = keyFile;
        _current = Load(out _stamp);
    }

    public string CertFile { get; }

    public string KeyFile { get; }

    public string? LastError { get; private set; }

    /// <summary>Raised with the error when changed files cannot be loaded (the last good pair stays in use).</summary>
    public event Action<string>? ReloadFailed;

    /// <summary>Re-reads the files if they changed; the reason the CA in use is stale, or null when it is
    /// current.</summary>
    public string? Check()
    {
        _ = Current;
        return LastError;
    }

    public CertificateAuthority Current
    {
        get
        {
            lock (_gate)
            {
                var stamp = Stamp();
                if (stamp != _stamp)
                {
                    try
                    {
                        _current = Load(out _stamp);
                        LastError = null;
                    }
                    catch (KubePkiException e)
                    {
                        LastError = e.Message;
                        ReloadFailed?.Invoke(e.Message);
                    }
                }
                return _current!;
            }
        }
    }

    private (DateTime, long, DateTime, long) Stamp()
    {
        var cert = new FileInfo(CertFile);
        var key = new FileInfo(KeyFile);
        return (
            cert.Exists ? cert.LastWriteTimeUtc : default,
            cert.Exists ? cert.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default,
            key.Exists ? key.Length : -1
        );
    }

    private CertificateAuthority Load(out (DateTime, long, DateTime, long) stamp)
    {
        stamp = Stamp();
        string certText,
            keyText;
        try
        {
            certText = DiskFileStore.Instance.ReadText(CertFile);
            keyText = DiskFileStore.Instance.ReadText(KeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KubePkiException)
        {
            throw new KubePkiException(
                $"error reading CA cert file \"{CertFile}\" or key file \"{KeyFile}\": {e.Message}",
                e
            );
        }
        var certificates = PemCodec.DecodeCertificates(certText, CertFile);
        if (certificates.Count != 1)
        {
            throw new KubePkiException($"{CertFile}: expected 1 certificate, found {certificates.Count}");
        }
        var key = PemCodec.DecodePrivateKey(keyText, KeyFile);
        if (!key.Matches(certificates[0]))
        {
            throw new KubePkiException($"{KeyFile}: the private key does not match the certificate {CertFile}");
        }
        if (!CertificateFacts.IsCa(certificates[0]))
        {
            throw new KubePkiException($"{CertFile}: the signing certificate is not a certificate authority");
        }
        return new CertificateAuthority(certificates[0], key);
    }
}
