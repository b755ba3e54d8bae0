using KubePki.Catalog;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.ControlPlane;

/// <summary>The certificates one component uses, renewed as kubeadm's upgrade renews them before installing the
/// component's new manifest (renewCertsByComponent), and put back from the renewal's backup if that manifest
/// fails.</summary>
internal sealed class ComponentCertRenewal(IssueContext context)
{
    public sealed record Renewed(IReadOnlyList<RenewableItem> Items, string? BackupPath);

    /// <summary>Renews the component's existing certificates; those signed by an external CA are skipped with kubeadm's
    /// message.</summary>
    public Renewed Renew(ControlPlaneComponent component) => Renew(ComponentCertificates.Of(component));

    /// <summary>kubeadm's last step of an upgrade with certificate renewal: admin.conf, and super-admin.conf where it
    /// exists.</summary>
    public Renewed RenewAdminKubeconfigs() => Renew(["admin.conf", "super-admin.conf"]);

    private Renewed Renew(IReadOnlyList<string> names)
    {
        var items = RenewalCatalog
            .Items(context.Config, context.Pki)
            .Where(i => names.Contains(i.Name) && i.Exists(context.Pki.Store))
            .ToList();
        var definitions = CertCatalog.For(context.Config.ExternalEtcd);
        var renewable = new List<RenewableItem>();
        foreach (var item in items)
        {
            if (CaLoader.IsExternal(context.Pki, CertCatalog.Get(item.CaName), definitions))
            {
                context.Log.WriteLine(
                    $"[upgrade/staticpods] External CA detected, {item.Name} certificate can't be " + $"renewed"
                );
                continue;
            }
            context.Log.WriteLine($"[upgrade/staticpods] Renewing {item.Name} certificate");
            renewable.Add(item);
        }
        if (renewable.Count == 0)
        {
            return new Renewed([], null);
        }
        var result = new Renewer(context).Renew(
            renewable,
            new RenewalOptions { DryRun = context.Pki.Store is DryRunFileStore }
        );
        return new Renewed(renewable.Where(i => result.Renewed.Contains(i.Name)).ToList(), result.BackupPath);
    }

    /// <summary>Puts the renewed files back from the renewal's backup copies (laid out relative to the kubeconfig dir),
    /// each with the mode its copy kept.</summary>
    public void Restore(Renewed renewed)
    {
        if (renewed.BackupPath is null)
        {
            return;
        }
        var baseDir = Path.GetFullPath(context.Config.KubeconfigDir);
        var writes = new List<FileWrite>();
        foreach (var path in renewed.Items.SelectMany(i => i.Paths).Select(Path.GetFullPath))
        {
            var relative = path.StartsWith(baseDir + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? Path.GetRelativePath(baseDir, path)
                : path.TrimStart(Path.DirectorySeparatorChar);
            var copy = Path.Combine(renewed.BackupPath, relative);
            if (File.Exists(copy))
            {
                writes.Add(new FileWrite(path, File.ReadAllBytes(copy), File.GetUnixFileMode(copy)));
            }
        }
        DiskFileStore.Instance.Write(writes);
        context.Log.WriteLine(
            $"[upgrade/staticpods] Restored the old certificates "
                + $"of {string.Join(", ", renewed.Items.Select(i => i.Name))} from {renewed.BackupPath}"
        );
    }
}
