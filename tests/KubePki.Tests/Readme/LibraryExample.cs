// The README's "Use it from C#" example, compiled and run by ReadmeExampleTests; the README block between the
// markers must stay identical to this file's.
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Tests.Readme;

public static class LibraryExample
{
    public static IReadOnlyList<string> Run(string root, IKeyGenerator keys, TextWriter log)
    {
        // readme:begin
        // Settings as kubeadm resolves them: a kubeadm config file (ConfigPath) and/or flag-like overrides.
        var config = ClusterConfigResolver.Resolve(
            new ConfigOverrides
            {
                CertificatesDir = Path.Combine(root, "pki"),
                KubeconfigDir = root,
                AdvertiseAddress = "10.0.0.10",
                NodeName = "cp-1",
            },
            log
        );
        var pki = new PkiDirectory(config.CertificatesDir, DiskFileStore.Instance);
        var context = new IssueContext(config, pki, keys, DateTimeOffset.UtcNow, log); // keys: KeyGenerator.Instance

        // Make the cluster PKI (3 CAs, 7 leaf certificates, the sa key pair) and the 5 kubeconfigs.
        new PkiGenerator(context).CreateAll();
        new KubeconfigGenerator(context).CreateAll();

        // Renew every certificate that expires within 30 days (backups, verification and journal included).
        var renewal = new Renewer(context).Renew(
            RenewalCatalog.Items(config, pki),
            new RenewalOptions { ExpiringWithin = TimeSpan.FromDays(30) }
        );

        // Read the expirations, as check-expiration shows them.
        var report = ExpirationReport.Build(config, pki, DateTimeOffset.UtcNow);
        var lines = report
            .All.Select(c => $"{c.Name} expires {c.ExpirationDate:yyyy-MM-dd} (CA: {c.CaName ?? "-"})")
            .ToList();
        // readme:end
        log.WriteLine($"renewed: {renewal.Renewed.Count}");
        return lines;
    }
}
