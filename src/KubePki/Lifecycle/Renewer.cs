using System.Security.Cryptography.X509Certificates;
using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Validation;

namespace KubePki.Lifecycle;

public sealed record RenewalOptions(bool DryRun = false, TimeSpan? ExpiringWithin = null);

/// <param name="Renewed">The items renewed; with --dry-run, the items that would have been renewed.</param>
public sealed record RenewalResult(IReadOnlyList<string> Renewed, string? BackupPath);

/// <summary><c>certs renew</c>: kubeadm's RenewUsingLocalCA (new key, identity copied from the old cert, new validity)
/// with what kubeadm lacks: a backup before anything is replaced, verification of each new cert before it replaces
/// the old, the pair written as one unit (and put back after a crash, see <see cref="RenewalJournal"/>), and a report
/// of what was and was not renewed when an item fails.</summary>
public sealed class Renewer(IssueContext context)
{
    private readonly Dictionary<string, bool> _external = new(StringComparer.Ordinal);

    private TextWriter Log => context.Log;

    public RenewalResult Renew(IReadOnlyList<RenewableItem> items, RenewalOptions options)
    {
        var store = context.Pki.Store;
        if (!options.DryRun)
        {
            foreach (var path in RenewalJournal.Recover(context.Pki.Root))
            {
                Log.WriteLine($"[renew] An earlier renewal was interrupted while replacing {path}: restored it from its backup");
            }
        }
        Preflight(items);
        var renewed = new List<string>();
        BackupDirectory? backup = null;
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
                    Log.WriteLine($"Detected external {CertCatalog.Get(item.CaName).BaseName}, {item.LongName} can't be renewed");
                    continue;
                }
                var old = item.ReadCertificate(store);
                var oldNotAfter = CertificateFacts.NotAfter(old);
                if (options.ExpiringWithin is { } window && oldNotAfter - context.Start > window)
                {
                    Log.WriteLine($"[renew] {item.Name} expires {oldNotAfter:yyyy-MM-dd HH:mm:ss} UTC, not within {Configuration.GoDuration.Format(window)}: skipped");
                    continue;
                }
                var template = TemplateBuilder.FromExisting(old, context.Start, context.Config.CertificateValidity);
                if (options.DryRun)
                {
                    var ca = context.GetSigningCa(item.CaName, $"the {item.Name} certificate");
                    var newNotAfter = Min(template.NotAfter, CertificateFacts.NotAfter(ca.Certificate));
                    Log.WriteLine($"[dryrun] Would renew {item.Name}: expires {oldNotAfter:yyyy-MM-dd HH:mm:ss} UTC now, {newNotAfter:yyyy-MM-dd HH:mm:ss} UTC after renewal");
                    renewed.Add(item.Name);
                    continue;
                }
                using var key = context.Keys.Generate(context.Config.KeyAlgorithm);
                var renewedCert = context.Issue(item.CaName, template, key, $"the {item.Name} certificate");
                var caCert = context.GetCa(item.CaName).Certificate;
                Verify(item, old, renewedCert, key, caCert);
                var caBundle = context.Pki.ReadCertChain(CertCatalog.Get(item.CaName).BaseName);
                var caBundlePem = string.Concat(caBundle.Select(PemCodec.EncodeCertificate));
                var writes = item.Replacement(store, renewedCert, key, caBundlePem);
                if (backup is null)
                {
                    backup = BackupDirectory.Create(context.Config.KubeconfigDir, context.Start);
                    Log.WriteLine($"[renew] Backing up the files it replaces to {backup.Path}");
                }
                var saved = item.Paths.Where(store.Exists).Select(path => (path, backup.Save(path))).ToList();
                var journal = RenewalJournal.Begin(context.Pki.Root, saved);
                try
                {
                    store.Write(writes);
                }
                catch (KubePkiException)
                {
                    journal.Complete(); // the store has already put the files back
                    throw;
                }
                // Anything else (a crash) leaves the journal, so the next run puts the backed-up files back.
                journal.Complete();
                renewed.Add(item.Name);
                Log.WriteLine($"{item.LongName} renewed");
            }
            catch (Exception e) when (e is KubePkiException or IOException or UnauthorizedAccessException)
            {
                if (backup is not null && renewed.Count == 0)
                {
                    backup.Remove();
                    backup = null;
                }
                var done = renewed.Count == 0 ? "nothing was renewed before it" : $"renewed before it: {string.Join(", ", renewed)}";
                var where = backup is null ? "" : $"; backups in {backup.Path}";
                throw new KubePkiException($"renewing {item.Name} failed, its files are unchanged ({done}{where}): {e.Message}", e);
            }
        }
        return new RenewalResult(renewed, backup?.Path);
    }

    /// <summary>Every existing item and the CA that will sign it are checked before the first file is replaced, so bad
    /// input changes nothing.</summary>
    private void Preflight(IReadOnlyList<RenewableItem> items)
    {
        foreach (var item in items.Where(i => i.Exists(context.Pki.Store)))
        {
            if (IsExternal(item.CaName))
            {
                continue;
            }
            item.Validate(context.Pki.Store);
            context.GetSigningCa(item.CaName, $"a renewed {item.Name} certificate");
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

    /// <summary>The new certificate must match its new key, chain to its CA and carry the old identity exactly.</summary>
    private static void Verify(RenewableItem item, X509Certificate2 old, X509Certificate2 renewed, PrivateKey key, X509Certificate2 ca)
    {
        string? problem = null;
        if (!key.Matches(renewed))
        {
            problem = "the new certificate does not match the new key";
        }
        else if (!ChainVerifier.IsSignedBy(renewed, [], ca))
        {
            problem = "the new certificate does not chain to its CA";
        }
        else if (CertificateFacts.CommonName(old) != CertificateFacts.CommonName(renewed)
            || !CertificateFacts.Organizations(old).SequenceEqual(CertificateFacts.Organizations(renewed))
            || !CertificateFacts.DnsNames(old).SequenceEqual(CertificateFacts.DnsNames(renewed))
            || !CertificateFacts.IpAddresses(old).SequenceEqual(CertificateFacts.IpAddresses(renewed))
            || !CertificateFacts.ExtendedKeyUsages(old).SequenceEqual(CertificateFacts.ExtendedKeyUsages(renewed)))
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
