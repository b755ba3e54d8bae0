using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Model;
using KubePki.Validation;

namespace KubePki.Lifecycle;

/// <summary>How a renewal runs. Properties, not constructor parameters, so that a new option does not break compiled
/// callers.</summary>
public sealed record RenewalOptions
{
    /// <summary>Report what would be renewed; nothing is written, locked or backed up.</summary>
    public bool DryRun { get; init; }

    /// <summary>Renew only what expires within this window; null renews everything.</summary>
    public TimeSpan? ExpiringWithin { get; init; }

    /// <summary>How long to wait for a concurrent renewal's lock (zero: fail at once if it is held).</summary>
    public TimeSpan LockTimeout { get; init; }

    /// <summary>How many backup dirs of earlier renewals to keep.</summary>
    public int BackupRetention { get; init; } = ReplacementPolicy.DefaultBackupRetention;

    /// <summary>The cluster configuration was read (a file or the cluster): its encryptionAlgorithm decides the new
    /// keys' type and its SANs are compared with the kept ones. Without it each item keeps its key type and
    /// size.</summary>
    public bool ConfigGiven { get; init; }
}

/// <summary>What a renewal did.</summary>
public sealed record RenewalResult
{
    /// <summary>The items renewed, in order; with --dry-run, the items that would have been renewed.</summary>
    public required IReadOnlyList<string> Renewed { get; init; }

    /// <summary>The dir holding the replaced files; null when nothing was replaced.</summary>
    public string? BackupPath { get; init; }

    /// <summary>The old backup dirs removed (beyond <see cref="RenewalOptions.BackupRetention"/>).</summary>
    public IReadOnlyList<string> Pruned { get; init; } = [];

    /// <summary>The components that must be restarted to use what was renewed, in kubeadm's order.</summary>
    public IReadOnlyList<string> Restart { get; init; } = [];
}

/// <summary><c>certs renew</c>: kubeadm's RenewUsingLocalCA (new key, identity copied from the old cert, new validity)
/// with what kubeadm lacks: a lock, a backup before anything is replaced, verification of each new cert before it
/// replaces the old, each item written as one unit that keeps its files' owner, group and mode (and is put back after
/// a crash; see <see cref="FileReplacer"/>), and a report of what was and was not renewed when an item fails.</summary>
/// <param name="context">The configuration, cert dir, key source and log of the run.</param>
/// <param name="time">The clock for lock waits; the system clock when null.</param>
public sealed class Renewer(IssueContext context, TimeProvider? time = null)
{
    private readonly Dictionary<string, bool> _external = new(StringComparer.Ordinal);

    private TextWriter Log => context.Log;

    private ReplacementScope Scope => new(context.Config.CertificatesDir, context.Config.KubeconfigDir);

    /// <summary>Renews <paramref name="items"/> (all of them, or those due under
    /// <see cref="RenewalOptions.ExpiringWithin"/>) with the CAs in the cert dir; a CA without its key (external CA
    /// mode) is an error for the items it signs. Running components keep the old certificates until they restart (see
    /// <see cref="RenewalResult.Restart"/>).</summary>
    public RenewalResult Renew(IReadOnlyList<RenewableItem> items, RenewalOptions options)
    {
        StateDirectory.RequireCertDir(context.Pki.Store, context.Config.CertificatesDir);
        using var replacer = options.DryRun ? null : OpenReplacer(options);
        var renewed = RenewEach(items, options, replacer, ownsReplacer: true);
        var pruned = replacer?.Finish() ?? [];
        foreach (var path in pruned)
        {
            Log.WriteLine($"[renew] Removed the old backup {path} (--backup-retention {options.BackupRetention})");
        }
        return Result(renewed, replacer?.BackupPath, pruned);
    }

    /// <summary>Renews within a run that already holds <paramref name="replacer"/> (a CA rotation re-issuing its
    /// leaves): its lock, journal and backup dir are used, and the caller finishes it. A second lock would block:
    /// the run already holds it.</summary>
    internal RenewalResult Renew(IReadOnlyList<RenewableItem> items, RenewalOptions options, FileReplacer replacer)
    {
        StateDirectory.RequireCertDir(context.Pki.Store, context.Config.CertificatesDir);
        var renewed = RenewEach(items, options, replacer, ownsReplacer: false);
        return Result(renewed, replacer.BackupPath, []);
    }

    private static RenewalResult Result(
        IReadOnlyList<RenewableItem> renewed,
        string? backupPath,
        IReadOnlyList<string> pruned
    )
    {
        var restart = ControlPlaneComponents.Order.Where(c => renewed.Any(r => r.Restarts.Contains(c))).ToList();
        return new RenewalResult
        {
            Renewed = renewed.Select(r => r.Name).ToList(),
            BackupPath = backupPath,
            Pruned = pruned,
            Restart = restart,
        };
    }

    private List<RenewableItem> RenewEach(
        IReadOnlyList<RenewableItem> items,
        RenewalOptions options,
        FileReplacer? replacer,
        bool ownsReplacer
    )
    {
        var store = context.Pki.Store;
        Preflight(items);
        var due = items.Where(i => i.Exists(store) && !IsExternal(i.CaName) && IsDue(i, options, quiet: true)).ToList();
        if (!options.DryRun && context.Keys is PrefetchingKeyGenerator prefetching)
        {
            foreach (var group in due.GroupBy(i => KeyAlgorithmFor(i, options)))
            {
                prefetching.Prefetch(group.Key, group.Count());
            }
        }
        var renewed = new List<RenewableItem>();
        foreach (var item in items)
        {
            try
            {
                if (!item.Exists(store))
                {
                    Log.WriteLine($"MISSING! {item.LongName}");
                    continue;
                }
                if (IsExternal(item.CaName))
                {
                    Log.WriteLine(
                        $"Detected external {CertCatalog.Get(item.CaName).BaseName}, {item.LongName} can't be renewed"
                    );
                    continue;
                }
                if (!IsDue(item, options, quiet: false))
                {
                    continue;
                }
                var old = item.ReadCertificate(store);
                if (options.ConfigGiven)
                {
                    WarnAboutMissingSans(item, old);
                }
                var template = Template(old);
                if (options.DryRun)
                {
                    var ca = context.GetSigningCa(item.CaName, $"the {item.Name} certificate");
                    var newNotAfter = Min(template.NotAfter, CertificateFacts.NotAfter(ca.Certificate));
                    Log.WriteLine(
                        $"[dryrun] Would renew {item.Name}: expires "
                            + $"{CertificateFacts.NotAfter(old):yyyy-MM-dd HH:mm:ss} UTC now, "
                            + $"{newNotAfter:yyyy-MM-dd HH:mm:ss} UTC after renewal"
                    );
                    renewed.Add(item);
                    continue;
                }
                using var key = context.Keys.Generate(KeyAlgorithmFor(item, options));
                var renewedCert = context.Issue(item.CaName, template, key, $"the {item.Name} certificate");
                Verify(item, template, renewedCert, key);
                // Every certificate of the CA file: one CA, or two while a CA rotation is under way.
                var caBundle = context.Pki.ReadCertChain(CertCatalog.Get(item.CaName).BaseName);
                var caBundlePem = string.Concat(caBundle.Select(PemCodec.EncodeCertificate));
                replacer!.Replace(item.Replacement(store, renewedCert, key, caBundlePem));
                renewed.Add(item);
                Log.WriteLine($"{item.LongName} renewed");
            }
            catch (Exception e) when (e is KubePkiException or IOException or UnauthorizedAccessException)
            {
                if (renewed.Count == 0 && ownsReplacer)
                {
                    replacer?.DiscardBackup();
                }
                var done =
                    renewed.Count == 0
                        ? "nothing was renewed before it"
                        : $"renewed before it: {string.Join(", ", renewed.Select(r => r.Name))}";
                var where = replacer?.BackupPath is { } path ? $"; backups in {path}" : "";
                throw new KubePkiException(
                    $"renewing {item.Name} failed, its files are unchanged ({done}{where}): {e.Message}",
                    e
                );
            }
        }
        return renewed;
    }

    /// <summary><c>--csr-only</c>: under the same lock and <c>--expiring-within</c> filter as a renewal, a new key and
    /// a CSR per item (see <see cref="CsrGenerator.RenewCsrOnly"/>).</summary>
    public void RenewCsrOnly(IReadOnlyList<RenewableItem> items, string csrDir, RenewalOptions options)
    {
        StateDirectory.RequireCertDir(context.Pki.Store, context.Config.CertificatesDir);
        using var replacer = options.DryRun ? null : OpenReplacer(options);
        var due = items.Where(i => !i.Exists(context.Pki.Store) || IsDue(i, options, quiet: false)).ToList();
        new CsrGenerator(context).RenewCsrOnly(due, csrDir, item => KeyAlgorithmFor(item, options));
    }

    private FileReplacer OpenReplacer(RenewalOptions options) =>
        FileReplacer.Open(
            context.Pki.Store,
            Scope,
            new ReplacementPolicy(options.LockTimeout, options.BackupRetention),
            time ?? TimeProvider.System,
            Log
        );

    private bool IsDue(RenewableItem item, RenewalOptions options, bool quiet)
    {
        if (options.ExpiringWithin is not { } window)
        {
            return true;
        }
        var notAfter = CertificateFacts.NotAfter(item.ReadCertificate(context.Pki.Store));
        if (notAfter - context.Start <= window)
        {
            return true;
        }
        if (!quiet)
        {
            Log.WriteLine(
                $"[renew] {item.Name} expires {notAfter:yyyy-MM-dd HH:mm:ss} UTC, "
                    + $"not within {GoText.GoDuration.Format(window)}: skipped"
            );
        }
        return false;
    }

    /// <summary>kubeadm renews with the cluster's encryptionAlgorithm. Without a configuration that default would be
    /// RSA-2048 and silently turn an ECDSA cluster into an RSA one, so each item keeps its current key type and
    /// size.</summary>
    private KeyAlgorithm KeyAlgorithmFor(RenewableItem item, RenewalOptions options) =>
        options.ConfigGiven
            ? context.Config.KeyAlgorithm
            : ExistingKeyAlgorithm(item.ReadCertificate(context.Pki.Store));

    internal static KeyAlgorithm ExistingKeyAlgorithm(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize switch
            {
                <= 2048 => KeyAlgorithm.Rsa2048,
                <= 3072 => KeyAlgorithm.Rsa3072,
                _ => KeyAlgorithm.Rsa4096,
            };
        }
        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa?.KeySize is 256 ? KeyAlgorithm.EcdsaP256 : KeyAlgorithm.EcdsaP384;
    }

    /// <summary>The old identity (kubeadm's certToConfig) with DNS SANs de-duplicated and sorted and IP SANs
    /// de-duplicated in order, as kubeadm's NewSignedCert (RemoveDuplicateAltNames) does.</summary>
    private CertificateTemplate Template(X509Certificate2 old)
    {
        var template = TemplateBuilder.FromExisting(old, context.Start, context.Config.CertificateValidity);
        var altNames = AltNames.Create(template.DnsNames, template.IpAddresses);
        return template with { DnsNames = altNames.DnsNames, IpAddresses = altNames.IpAddresses };
    }

    /// <summary>Every existing item and the CA that will sign it are checked before the first file is replaced, so bad
    /// input changes nothing. The old key does not matter (kubeadm reads only the old certificate): a bad one is
    /// reported and replaced.</summary>
    private void Preflight(IReadOnlyList<RenewableItem> items)
    {
        foreach (var item in items.Where(i => i.Exists(context.Pki.Store)))
        {
            if (IsExternal(item.CaName))
            {
                continue;
            }
            foreach (var warning in item.Validate(context.Pki.Store))
            {
                Log.WriteLine($"[renew] WARNING: {warning}; the renewal replaces it");
            }
            context.GetSigningCa(item.CaName, $"a renewed {item.Name} certificate");
        }
    }

    /// <summary>Renewal keeps the old SANs, as kubeadm does; SANs the configuration asks for and the certificate lacks
    /// need a re-issue, so say how.</summary>
    private void WarnAboutMissingSans(RenewableItem item, X509Certificate2 old)
    {
        if (item is not PkiPairItem pair || pair.Definition.IsCa)
        {
            return;
        }
        var wanted = pair.Definition.Resolve(context.Config).AltNames;
        var dnsNames = CertificateFacts.DnsNames(old);
        var ips = CertificateFacts.IpAddresses(old);
        var missing = wanted
            .DnsNames.Where(d => !dnsNames.Contains(d, StringComparer.OrdinalIgnoreCase))
            .Concat(wanted.IpAddresses.Where(ip => !ips.Contains(ip)).Select(ip => ip.ToString()))
            .ToList();
        if (missing.Count > 0)
        {
            var pki = context.Pki;
            var baseName = pair.Definition.BaseName;
            Log.WriteLine(
                $"[renew] WARNING: the configuration asks for SANs the {item.Name} certificate lacks: "
                    + $"{string.Join(", ", missing)}. Renewal keeps the old SANs, as kubeadm does; to re-issue it "
                    + $"with them, "
                    + $"move {pki.CertPath(baseName)} and {pki.KeyPath(baseName)} out of {pki.Root}, "
                    + $"then run 'kubepki init phase certs {item.Name}' with the same configuration"
            );
        }
    }

    private bool IsExternal(string caName)
    {
        if (!_external.TryGetValue(caName, out var value))
        {
            var definitions = CertCatalog.For(context.Config.ExternalEtcd);
            value = CaLoader.IsExternal(context.Pki, CertCatalog.Get(caName), definitions);
            _external[caName] = value;
        }
        return value;
    }

    /// <summary>Before anything is replaced, the new certificate must match its new key, chain to the CA certificate
    /// on disk (the one clients trust, read afresh), and carry exactly the identity it was issued from.</summary>
    private void Verify(RenewableItem item, CertificateTemplate template, X509Certificate2 renewed, PrivateKey key)
    {
        var caDefinition = CertCatalog.Get(item.CaName);
        var trusted = context.Pki.ReadCert(caDefinition.BaseName);
        string? problem = null;
        if (!key.Matches(renewed))
        {
            problem = "the new certificate does not match the new key";
        }
        else if (!ChainVerifier.IsSignedBy(renewed, [], trusted))
        {
            problem = $"the new certificate does not chain to {context.Pki.CertPath(caDefinition.BaseName)}";
        }
        else if (
            CertificateFacts.CommonName(renewed) != template.CommonName
            || !CertificateFacts.Organizations(renewed).SequenceEqual(template.Organizations)
            || !CertificateFacts.DnsNames(renewed).SequenceEqual(template.DnsNames)
            || !CertificateFacts.IpAddresses(renewed).SequenceEqual(template.IpAddresses)
            || !CertificateFacts.ExtendedKeyUsages(renewed).SequenceEqual(template.ExtendedKeyUsages)
        )
        {
            problem = "the new certificate's subject, SANs or usages differ from the old one";
        }
        if (problem is not null)
        {
            throw new KubePkiException($"{item.Name}: {problem}; nothing replaced");
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
