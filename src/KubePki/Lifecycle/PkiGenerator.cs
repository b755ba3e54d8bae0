using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.Storage;
using KubePki.Validation;

namespace KubePki.Lifecycle;

/// <summary><c>init phase certs</c>: creates what is missing, reuses what exists after checking it (never overwrites a
/// user's cert), and works without CA keys in external CA mode.</summary>
public sealed class PkiGenerator(IssueContext context)
{
    private readonly HashSet<string> _checked = new(StringComparer.Ordinal);

    private PkiDirectory Pki => context.Pki;

    private TextWriter Log => context.Log;

    internal IReadOnlyList<CertDefinition> Definitions => CertCatalog.For(context.Config.ExternalEtcd);

    /// <summary>How many new keys <see cref="CreateAll"/> will need: one per missing pair, plus sa.</summary>
    internal int MissingKeyCount() =>
        Definitions.Count(d => !Pki.CertExists(d.BaseName)) + (Pki.KeyExists("sa") ? 0 : 1);

    /// <summary><c>certs all</c>: every existing file is checked before the first one is written.</summary>
    public void CreateAll()
    {
        Log.WriteLine($"[certs] Using certificateDir folder \"{Pki.Root}\"");
        // The external-CA checks run before the first write: an incomplete external CA changes nothing.
        foreach (var ca in Definitions.Where(d => d.IsCa))
        {
            CaLoader.IsExternal(Pki, ca, Definitions);
        }
        foreach (var definition in Definitions.Where(d => !d.IsCa && Pki.CertExists(d.BaseName)))
        {
            CheckExisting(definition);
        }
        foreach (var definition in Definitions)
        {
            Create(definition);
        }
        CreateServiceAccountKeys();
    }

    /// <summary>One phase: <c>certs ca</c>, <c>certs apiserver</c>, ... Messages name certs by base name
    /// (<c>etcd/server</c>), as kubeadm prints them.</summary>
    internal void Create(CertDefinition definition)
    {
        if (context.Config.ExternalEtcd && definition.IsEtcd)
        {
            Log.WriteLine(
                $"[certs] External etcd mode: Skipping {definition.BaseName} "
                    + $"{(definition.IsCa ? "certificate authority" : "certificate")} generation"
            );
            return;
        }
        if (definition.IsCa)
        {
            CreateCa(definition);
        }
        else
        {
            CreateLeaf(definition);
        }
    }

    /// <summary><c>certs sa</c>. In external CA mode the keys must be provided (the external-CA check loads them)
    /// and are never generated, as in kubeadm.</summary>
    public void CreateServiceAccountKeys()
    {
        if (CaLoader.IsExternal(Pki, CertCatalog.Get("ca"), Definitions))
        {
            Log.WriteLine("[certs] Using existing sa keys");
            return;
        }
        if (Pki.KeyExists("sa"))
        {
            try
            {
                using var existing = Pki.ReadKey("sa");
            }
            catch (KubePkiException e)
            {
                throw new KubePkiException(
                    $"file sa.key existed but it could not be loaded properly: {e.Message}",
                    KubePkiErrorKind.InvalidFile,
                    e
                );
            }
            Log.WriteLine("[certs] Using the existing \"sa\" key");
            return;
        }
        Log.WriteLine("[certs] Generating \"sa\" key and public key");
        using var key = context.Keys.Generate(context.Config.KeyAlgorithm);
        Pki.Store.Write([
            Pki.KeyFile("sa", key),
            FileWrite.Text(Pki.PublicKeyPath("sa"), key.PublicKeyPem(), FileModes.Private),
        ]);
    }

    private void CreateCa(CertDefinition definition)
    {
        if (Pki.CertExists(definition.BaseName))
        {
            var ca = context.GetCa(definition.Name);
            WarnPeriod(definition, ca.Certificate);
            Log.WriteLine(
                ca.HasKey
                    ? $"[certs] Using existing {definition.BaseName} certificate authority"
                    : $"[certs] Using existing {definition.BaseName} keyless certificate authority"
            );
            return;
        }
        Log.WriteLine($"[certs] Generating \"{definition.BaseName}\" certificate and key");
        var spec = definition.Resolve(context.Config);
        var key = context.Keys.Generate(context.Config.KeyAlgorithm);
        var certificate = CertificateAuthority.SelfSign(TemplateBuilder.For(spec, context.Config, context.Start), key);
        Pki.WritePair(definition.BaseName, certificate, key);
        context.Remember(definition.Name, new CertificateAuthority(certificate, key));
    }

    private void CreateLeaf(CertDefinition definition)
    {
        var spec = definition.Resolve(context.Config);
        if (Pki.CertExists(definition.BaseName))
        {
            CheckExisting(definition);
            Log.WriteLine($"[certs] Using existing {definition.BaseName} certificate and key on disk");
            return;
        }
        foreach (var warning in spec.AltNames.Warnings)
        {
            Log.WriteLine(warning);
        }
        Log.WriteLine($"[certs] Generating \"{definition.BaseName}\" certificate and key");
        if (spec.ExtendedKeyUsages.Contains(ExtendedKeyUsageOids.ServerAuth))
        {
            Log.WriteLine(
                $"[certs] {definition.BaseName} serving cert is signed for DNS names "
                    + $"[{string.Join(' ', spec.AltNames.DnsNames)}] and IPs "
                    + $"[{string.Join(' ', spec.AltNames.IpAddresses)}]"
            );
        }
        var key = context.Keys.Generate(context.Config.KeyAlgorithm);
        using var _ = key;
        var certificate = context.Issue(
            definition.CaName!,
            TemplateBuilder.For(spec, context.Config, context.Start),
            key,
            $"the {definition.Name} certificate"
        );
        Pki.WritePair(definition.BaseName, certificate, key);
    }

    /// <summary>An existing leaf is reused only if its key matches and it chains to its CA; SANs the config asks for
    /// must be covered. Checked once per run, so warnings appear once per name.</summary>
    private void CheckExisting(CertDefinition definition)
    {
        if (!_checked.Add(definition.Name))
        {
            return;
        }
        var caDefinition = CertCatalog.Get(definition.CaName!);
        if (!Pki.CertExists(caDefinition.BaseName))
        {
            throw new KubePkiException(
                $"{Pki.CertPath(definition.BaseName)} exists but its certificate authority "
                    + $"{Pki.CertPath(caDefinition.BaseName)} does not: provide the CA or remove the certificate",
                KubePkiErrorKind.NotFound
            );
        }
        var problem = ExistingPairValidator.ChainProblem(Pki, definition, context.GetCa(caDefinition.Name));
        var defaults = definition.Resolve(
            context.Config with
            {
                ApiServerCertSans = [],
                EtcdServerCertSans = [],
                EtcdPeerCertSans = [],
                ControlPlaneEndpoint = "",
            }
        );
        var (sanError, sanWarnings) = problem is null
            ? ExistingPairValidator.SanProblems(Pki, definition.Resolve(context.Config), defaults)
            : (null, []);
        if ((problem ?? sanError) is { } error)
        {
            throw new KubePkiException(error, KubePkiErrorKind.InvalidFile);
        }
        WarnPeriod(definition, Pki.ReadCert(definition.BaseName));
        foreach (var warning in sanWarnings)
        {
            Log.WriteLine(warning);
        }
    }

    private void WarnPeriod(
        CertDefinition definition,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate
    )
    {
        if (CertificateFacts.PeriodProblem(certificate, context.Start) is { } problem)
        {
            Log.WriteLine($"WARNING: could not validate bounds for certificate {definition.BaseName}: {problem}");
        }
    }
}
