using KubePki.Files;
using KubePki.Storage;

namespace KubePki.Lifecycle;

/// <summary>Checks of the directories a run trusts, before it takes the lock: the cert dir must exist, the kubeconfig
/// dir must exist (it is never created just to hold state), and its <c>tmp/</c> must be a real directory only the
/// running user owns and may write.</summary>
internal static class StateDirectory
{
    public static void RequireCertDir(IFileStore store, string certDir)
    {
        if (store.Inspect(certDir, followLinks: true)?.Kind != FileKind.Directory)
        {
            throw new KubePkiException($"cert dir {certDir} does not exist; use --cert-dir", KubePkiErrorKind.NotFound);
        }
    }

    public static void Prepare(IFileStore store, ReplacementScope scope) =>
        Prepare(store, scope.KubeconfigDir, "the renewal lock, journal and backups");

    /// <summary>The same checks for any state kept in <c>&lt;kubeconfig-dir&gt;/tmp/</c>; <paramref name="keeps"/> says
    /// what is kept there, for the messages.</summary>
    public static void Prepare(IFileStore store, string kubeconfigDir, string keeps)
    {
        if (store.Inspect(kubeconfigDir, followLinks: true)?.Kind != FileKind.Directory)
        {
            throw new KubePkiException(
                $"kubeconfig dir {kubeconfigDir} does not exist (it holds {keeps} under tmp/); use --kubeconfig-dir",
                KubePkiErrorKind.NotFound
            );
        }
        RequirePrivate(store, Path.Combine(kubeconfigDir, "tmp"), keeps);
    }

    /// <summary>Creates the directory (0700) when it is missing; else it must be a real directory, not a link, that the
    /// running user owns and nobody else may write, or whoever could write there could plant what the run
    /// trusts.</summary>
    public static void RequirePrivate(IFileStore store, string directory, string keeps)
    {
        var facts = store.Inspect(directory);
        if (facts is null)
        {
            store.CreateDirectory(directory, FileModes.PrivateDirectory);
            return;
        }
        var me = DiskFileStore.CurrentUserId;
        var problem =
            facts.Kind != FileKind.Directory ? $"is {facts.KindText}, not a directory"
            : facts.Uid != me ? $"is owned by uid {facts.Uid}, not by uid {me} running kubepki"
            : facts.IsGroupOrWorldWritable
                ? $"is writable by group or others (mode {FileModes.ToOctal(facts.Mode)}); chmod 700 it"
            : null;
        if (problem is not null)
        {
            throw new KubePkiException(
                $"{directory} {problem}; refusing to keep {keeps} there",
                KubePkiErrorKind.InvalidFile
            );
        }
    }

    /// <summary>Whoever can write the cert dir, or rename it away through a parent, can swap the certificates the
    /// cluster trusts; say so. A sticky parent (/tmp) only lets others add entries, not replace ours.</summary>
    public static IEnumerable<string> InsecureDirectoryWarnings(IFileStore store, string certDir)
    {
        var path = store.ResolvePath(certDir);
        for (var first = true; path is not null; path = Path.GetDirectoryName(path), first = false)
        {
            var facts = store.Inspect(path);
            var sticky = (facts?.Mode & UnixFileMode.StickyBit) != 0;
            if (facts is null || !facts.IsGroupOrWorldWritable || (!first && sticky))
            {
                continue;
            }
            var what = first ? "the cert dir" : $"{path}, a parent of the cert dir,";
            yield return $"[renew] WARNING: {what} {(first ? path + " " : "")}is writable by group or others "
                + $"(mode {FileModes.ToOctal(facts.Mode)}): whoever can write there can replace the certificates "
                + "the cluster trusts";
        }
    }
}
