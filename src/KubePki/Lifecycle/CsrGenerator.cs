using KubePki.Building;
using KubePki.Catalog;
using KubePki.Crypto;
using KubePki.Kubeconfig;
using KubePki.Model;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Keys and CSRs for an external CA: <c>certs generate-csr</c> (identity from the cluster config) and
/// <c>certs renew --csr-only</c> (identity from the existing certificate, which stays in place). Existing files are
/// refused before anything is written.</summary>
public sealed class CsrGenerator(IssueContext context)
{
    private PkiDirectory Pki => context.Pki;

    private IFileStore Store => context.Pki.Store;

    private IReadOnlyList<CertDefinition> Leaves =>
        CertCatalog.For(context.Config.ExternalEtcd).Where(d => !d.IsCa).ToList();

    /// <summary>How many keys <see cref="GenerateAll"/> makes: one per leaf and per kubeconfig.</summary>
    public int KeyCount => Leaves.Count + KubeconfigCatalog.All.Count;

    /// <summary>kubeadm's CreateDefaultKeysAndCSRFiles + CreateDefaultKubeConfigsAndCSRFiles: for every leaf, a new key
    /// and <c>&lt;base&gt;.csr</c> in the cert dir; for every kubeconfig, the file with its client key but no
    /// certificate, and <c>&lt;file&gt;.csr</c> beside it. The external CA signs the CSRs; the signed certificates go
    /// next to the keys. An existing key, CSR or kubeconfig is refused before anything is written.</summary>
    public void GenerateAll()
    {
        var leaves = Leaves;
        foreach (var leaf in leaves)
        {
            RefuseExisting(
                Pki.KeyPath(leaf.BaseName),
                Pki.CsrPath(leaf.BaseName),
                $"key or CSR {Path.Combine(Pki.Root, leaf.BaseName)}"
            );
        }
        foreach (var definition in KubeconfigCatalog.All)
        {
            var path = KubeconfigPath(definition);
            RefuseExisting(path, path + ".csr", $"kube config: {path}");
        }
        foreach (var leaf in leaves)
        {
            var spec = leaf.Resolve(context.Config);
            context.Log.WriteLine($"[certs] Generating key and CSR for \"{leaf.Name}\": {Pki.CsrPath(leaf.BaseName)}");
            using var key = context.Keys.Generate(context.Config.KeyAlgorithm);
            var csr = CsrBuilder.CreatePem(
                spec.CommonName,
                spec.Organizations,
                spec.AltNames.DnsNames,
                spec.AltNames.IpAddresses,
                key
            );
            Store.Write([
                Pki.KeyFile(leaf.BaseName, key),
                FileWrite.Text(Pki.CsrPath(leaf.BaseName), csr, FileModes.Private),
            ]);
        }
        foreach (var definition in KubeconfigCatalog.All)
        {
            var path = KubeconfigPath(definition);
            var clientName = definition.ClientNameOf(context.Config);
            context.Log.WriteLine(
                $"[kubeconfig] Writing \"{definition.FileName}\" with its client key, and its CSR {path}.csr"
            );
            using var key = context.Keys.Generate(context.Config.KeyAlgorithm);
            var server = definition.UsesLocalEndpoint
                ? KubeconfigGenerator.LocalUrl(context.Config)
                : KubeconfigGenerator.ControlPlaneUrl(context.Config);
            var kubeconfig = KubeconfigFile
                .Create(context.Config.ClusterName, server, "", clientName, null, key.ToPem())
                .Serialize();
            var csr = CsrBuilder.CreatePem(clientName, definition.Organizations, [], [], key);
            Store.Write([
                FileWrite.Text(path, kubeconfig, FileModes.Private),
                FileWrite.Text(path + ".csr", csr, FileModes.Private),
            ]);
        }
    }

    /// <summary>For each existing item: a new key (of the type <paramref name="algorithmFor"/> picks) and a CSR
    /// carrying the subject and SANs of its current certificate, written to <paramref name="csrDir"/> (created 0700
    /// when missing) as <c>&lt;base&gt;.key</c> and <c>&lt;base&gt;.csr</c>.</summary>
    internal void RenewCsrOnly(
        IReadOnlyList<RenewableItem> items,
        string csrDir,
        Func<RenewableItem, KeyAlgorithm> algorithmFor
    )
    {
        var present = items.Where(i => i.Exists(Store)).ToList();
        foreach (var item in items.Except(present))
        {
            context.Log.WriteLine($"MISSING! {item.LongName}");
        }
        var inCertDir = Path.GetFullPath(csrDir) == Path.GetFullPath(Pki.Root);
        foreach (var item in present)
        {
            var (keyPath, csrPath) = CsrPaths(item, csrDir);
            if (inCertDir && Store.Exists(keyPath))
            {
                // The default --csr-dir is the cert dir, where the live key already is.
                throw new KubePkiException(
                    $"file already exists: {keyPath} (the CSRs go to the cert dir unless "
                        + "--csr-dir says otherwise); pass --csr-dir DIR to write the new keys and CSRs elsewhere",
                    KubePkiErrorKind.Conflict
                );
            }
            RefuseExisting(keyPath, csrPath, $"key or CSR {Path.Combine(csrDir, BaseName(item))}");
        }
        foreach (var item in present)
        {
            var existing = item.ReadCertificate(Store);
            var (keyPath, csrPath) = CsrPaths(item, csrDir);
            using var key = context.Keys.Generate(algorithmFor(item));
            var csr = CsrBuilder.CreatePem(
                CertificateFacts.CommonName(existing),
                CertificateFacts.Organizations(existing),
                CertificateFacts.DnsNames(existing),
                CertificateFacts.IpAddresses(existing),
                key
            );
            Store.Write([
                FileWrite.Text(keyPath, key.ToPem(), FileModes.Private) with
                {
                    DirectoryMode = FileModes.PrivateDirectory,
                },
                FileWrite.Text(csrPath, csr, FileModes.Private) with
                {
                    DirectoryMode = FileModes.PrivateDirectory,
                },
            ]);
            if (Store is not DryRunFileStore)
            {
                context.Log.WriteLine($"[renew] Wrote the key and CSR for {item.Name}: {csrPath}");
            }
        }
    }

    private string KubeconfigPath(KubeconfigDefinition definition) =>
        Path.Combine(context.Config.KubeconfigDir, definition.FileName);

    private static string BaseName(RenewableItem item) =>
        item is PkiPairItem pair ? pair.Definition.BaseName : item.Name;

    private static (string Key, string Csr) CsrPaths(RenewableItem item, string csrDir) =>
        (Path.Combine(csrDir, BaseName(item) + ".key"), Path.Combine(csrDir, BaseName(item) + ".csr"));

    private void RefuseExisting(string first, string second, string what)
    {
        if (Store.Exists(first) || Store.Exists(second))
        {
            throw new KubePkiException($"file already exists: {what}", KubePkiErrorKind.Conflict);
        }
    }
}
