using System.Security.Cryptography.X509Certificates;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>What every use case that issues certificates shares: the cluster config, the cert dir, a key source, one
/// start time for the whole run (kubeadm's StartTimeUTC) and where messages go. Loaded CAs are cached per
/// run.</summary>
/// <param name="config">The resolved cluster configuration.</param>
/// <param name="pki">The cert dir and the file store every read and write goes through.</param>
/// <param name="keys">Where new keys come from (<see cref="KeyGenerator.Instance"/>).</param>
/// <param name="start">The time every certificate of the run starts from (NotBefore is 5 minutes earlier).</param>
/// <param name="log">Receives kubeadm's progress lines and warnings.</param>
public sealed class IssueContext(
    ClusterConfig config,
    PkiDirectory pki,
    IKeyGenerator keys,
    DateTimeOffset start,
    TextWriter log
)
{
    private readonly Dictionary<string, CertificateAuthority> _cas = new(StringComparer.Ordinal);

    /// <summary>The resolved cluster configuration.</summary>
    public ClusterConfig Config { get; } = config;

    /// <summary>The cert dir.</summary>
    public PkiDirectory Pki { get; } = pki;

    /// <summary>Where new keys come from.</summary>
    public IKeyGenerator Keys { get; } = keys;

    /// <summary>The start of every certificate this run issues.</summary>
    public DateTimeOffset Start { get; } = start;

    /// <summary>Where progress lines and warnings go.</summary>
    public TextWriter Log { get; } = log;

    internal CertificateAuthority GetCa(string name)
    {
        if (!_cas.TryGetValue(name, out var ca))
        {
            ca = CaLoader.Load(Pki, CertCatalog.Get(name));
            _cas[name] = ca;
        }
        return ca;
    }

    internal void Remember(string name, CertificateAuthority ca) => _cas[name] = ca;

    /// <summary>The CA, ready to sign: it must have its key and must not have expired.</summary>
    internal CertificateAuthority GetSigningCa(string name, string forWhat)
    {
        var ca = GetCa(name);
        var path = Pki.CertPath(CertCatalog.Get(name).BaseName);
        if (!ca.HasKey)
        {
            throw new KubePkiException(
                $"cannot create {forWhat}: the {name} certificate authority {path} has no key "
                    + $"{Pki.KeyPath(CertCatalog.Get(name).BaseName)} (external CA mode); provide the signed "
                    + $"certificate instead",
                KubePkiErrorKind.Conflict
            );
        }
        if (ca.Certificate.NotAfter.ToUniversalTime() <= Start.UtcDateTime)
        {
            throw new KubePkiException(
                $"cannot create {forWhat}: the {name} certificate authority {path} expired on "
                    + $"{ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC",
                KubePkiErrorKind.InvalidFile
            );
        }
        if (_warnedWeak.Add(name) && WeakKeyProblem(ca) is { } weak)
        {
            Log.WriteLine(
                $"[certs] WARNING: the {name} certificate authority {path} has a weak key ({weak}); "
                    + "what it signs is only as strong. Prefer RSA of 2048 bits or more, or ECDSA P-256/P-384, "
                    + "for a new CA"
            );
        }
        return ca;
    }

    private readonly HashSet<string> _warnedWeak = new(StringComparer.Ordinal);

    /// <summary>RSA below 2048 bits or a curve other than P-256/P-384 (what kubeadm itself generates).</summary>
    internal static string? WeakKeyProblem(CertificateAuthority ca)
    {
        using var rsa = ca.Certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize < 2048 ? $"RSA-{rsa.KeySize}" : null;
        }
        using var ecdsa = ca.Certificate.GetECDsaPublicKey();
        if (ecdsa is null)
        {
            return null;
        }
        var oid = ecdsa.ExportParameters(false).Curve.Oid;
        return oid.Value is "1.2.840.10045.3.1.7" or "1.3.132.0.34"
            ? null
            : $"ECDSA on curve {oid.FriendlyName ?? oid.Value}";
    }

    /// <summary>Signs a template with a CA, reporting when the CA's own expiry shortened the validity.</summary>
    internal X509Certificate2 Issue(string caName, CertificateTemplate template, PrivateKey subjectKey, string forWhat)
    {
        var ca = GetSigningCa(caName, forWhat);
        var certificate = ca.Issue(template, subjectKey.PublicKey, out var clamped);
        if (clamped)
        {
            Log.WriteLine(
                $"[certs] WARNING: {forWhat} would outlive the {caName} certificate authority; its NotAfter is set "
                    + $"to the CA's, {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC"
            );
        }
        return certificate;
    }
}
