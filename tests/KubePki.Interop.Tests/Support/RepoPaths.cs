namespace KubePki.Interop.Tests.Support;

/// <summary>Finds the shared test fixtures that sit beside the repository (<c>&lt;repo&gt;/../shared/fixtures</c>).</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RealTrees = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "kubeadm-real");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"no shared/fixtures/kubeadm-real found in any parent of {AppContext.BaseDirectory}; the shared/ folder must sit beside the repository");
    });

    /// <summary>The read-only folder holding the real kubeadm /etc/kubernetes trees.</summary>
    public static string KubeadmRealTrees => RealTrees.Value;
}
