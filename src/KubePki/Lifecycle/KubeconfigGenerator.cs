using KubePki.Building;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.GoText;
using KubePki.Kubeconfig;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary><c>init phase kubeconfig</c>: writes kubeadm's kubeconfig files with embedded CA and client credentials,
/// reusing an existing file only when it embeds the current ca.crt.</summary>
public sealed class KubeconfigGenerator(IssueContext context)
{
    private ClusterConfig Config => context.Config;

    internal string PathOf(KubeconfigDefinition definition) => Path.Combine(Config.KubeconfigDir, definition.FileName);

    internal int MissingKeyCount(IEnumerable<KubeconfigDefinition> definitions) =>
        definitions.Count(d => !context.Pki.Store.Exists(PathOf(d)));

    /// <summary>Every existing file is checked before the first one is written.</summary>
    public void CreateAll()
    {
        var reusable = KubeconfigCatalog.All.ToDictionary(d => d, CheckExisting);
        foreach (var definition in KubeconfigCatalog.All)
        {
            CreateOrReuse(definition, reusable[definition]);
        }
    }

    internal void Create(KubeconfigDefinition definition) => CreateOrReuse(definition, CheckExisting(definition));

    private void CreateOrReuse(KubeconfigDefinition definition, bool reuse)
    {
        var path = PathOf(definition);
        if (reuse)
        {
            context.Log.WriteLine($"[kubeconfig] Using existing kubeconfig file: \"{path}\"");
            return;
        }
        context.Log.WriteLine($"[kubeconfig] Writing \"{definition.FileName}\" kubeconfig file");
        var text = Build(
            definition.ClientNameOf(Config),
            definition.Organizations,
            ServerFor(definition),
            Config.CertificateValidity
        );
        context.Pki.Store.Write([FileWrite.Text(path, text, FileModes.Private)]);
    }

    /// <summary>A kubeconfig for any client name, signed by the cluster CA (<c>kubeconfig user</c>).</summary>
    public string Build(string clientName, IReadOnlyList<string> organizations, string server, TimeSpan validity)
    {
        using var key = context.Keys.Generate(Config.KeyAlgorithm);
        var template = TemplateBuilder.ForClient(clientName, organizations, context.Start, validity);
        var certificate = context.Issue("ca", template, key, $"the client certificate for {clientName}");
        return KubeconfigFile
            .Create(
                Config.ClusterName,
                server,
                TrustedPem(),
                clientName,
                PemCodec.EncodeCertificate(certificate),
                key.ToPem()
            )
            .Serialize();
    }

    /// <summary>A kubeconfig whose user authenticates with a bearer token; only ca.crt is read.</summary>
    internal string BuildWithToken(string clientName, string token, string server)
    {
        return KubeconfigFile.CreateWithToken(Config.ClusterName, server, TrustedPem(), clientName, token).Serialize();
    }

    /// <summary>What a kubeconfig trusts: the CA of ca.crt, and while <c>ca rotate</c> is under way the other CA of the
    /// same name beside it (a client must then accept a server cert of either). Other certificates a ca.crt may hold,
    /// such as an external CA's parents, are left out, as kubeadm embeds only the CA itself.</summary>
    private IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> Trusted()
    {
        var ca = context.GetCa("ca").Certificate;
        return context
            .Pki.ReadCertChain("ca")
            .Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData));
    }

    // ca.crt is read once per run: every kubeconfig of the run embeds the same CAs.
    private string? _trustedPem;

    private string TrustedPem() => _trustedPem ??= string.Concat(Trusted().Select(PemCodec.EncodeCertificate));

    /// <summary>kubeadm's <c>kubeconfig user --validity-period</c> default (constants.CertificateValidity),
    /// whatever the config's certificateValidityPeriod says.</summary>
    internal static readonly TimeSpan UserValidity = TimeSpan.FromHours(8760);

    /// <summary>kubeadm's warning for a user certificate valid longer than <see cref="UserValidity"/>, or
    /// null.</summary>
    internal static string? UserValidityWarning(TimeSpan validity) =>
        validity > UserValidity
            ? $"WARNING: the specified certificate validity period {GoDuration.Format(validity)} is longer than the "
                + $"default duration {GoDuration.Format(UserValidity)}, this may increase security risks."
            : null;

    /// <summary>https://host:port of the control-plane endpoint (port defaults to bindPort), else of the advertise
    /// address.</summary>
    public static string ControlPlaneUrl(ClusterConfig config)
    {
        if (config.ControlPlaneEndpoint.Length > 0)
        {
            var (host, port) = NetworkText.SplitHostPort(config.ControlPlaneEndpoint, "cluster controlPlaneEndpoint");
            return $"https://{NetworkText.JoinHostPort(host, port ?? config.BindPort)}";
        }
        return LocalUrl(config);
    }

    internal static string LocalUrl(ClusterConfig config)
    {
        SanRules.AdvertiseAddress(config);
        return $"https://{NetworkText.JoinHostPort(config.AdvertiseAddress, config.BindPort)}";
    }

    private string ServerFor(KubeconfigDefinition definition) =>
        definition.UsesLocalEndpoint ? LocalUrl(Config) : ControlPlaneUrl(Config);

    /// <summary>True when the file exists and may be reused; throws when it exists but embeds another CA.</summary>
    private bool CheckExisting(KubeconfigDefinition definition)
    {
        var path = PathOf(definition);
        if (!context.Pki.Store.Exists(path))
        {
            if (!context.GetCa("ca").HasKey)
            {
                throw new KubePkiException(
                    $"the {path} file does not exists or it is not valid: in external CA mode every kubeconfig must "
                        + $"be provided",
                    KubePkiErrorKind.NotFound
                );
            }
            return false;
        }
        var file = KubeconfigFile.Parse(context.Pki.Store.ReadText(path), path);
        var embedded =
            file.CertificateAuthorityPem
            ?? (file.CertificateAuthorityPath is { } caPath ? context.Pki.Store.ReadText(caPath) : null)
            ?? throw new KubePkiException(
                $"invalid kubeConfig file {path}: cluster {file.CurrentClusterName} has no certificate-authority-data",
                KubePkiErrorKind.InvalidFile
            );
        // As kubeadm, the embedded CA data must be what this run would embed; that is ca.crt whole, so the files a CA
        // rotation wrote (old and new CA, in ca.crt's order) are reused too.
        if (embedded.Trim() != TrustedPem().Trim())
        {
            throw new KubePkiException(
                $"a kubeconfig file \"{path}\" exists already but has got the wrong CA cert",
                KubePkiErrorKind.Conflict
            );
        }
        var expected = ServerFor(definition);
        if (file.Server != expected)
        {
            context.Log.WriteLine(
                $"[kubeconfig] WARNING: a kubeconfig file \"{path}\" exists already but has an unexpected API "
                    + $"Server URL: expected: {expected}, got: {file.Server}"
            );
        }
        return true;
    }
}
