namespace KubePki.TestKit;

/// <summary>The /etc/kubernetes trees written by real kubeadm, kept in <c>shared/fixtures/kubeadm-real</c> beside the
/// repository. They are read-only where tests run: <see cref="Copy"/> gives a writable copy with keys at
/// 0600.</summary>
public static class KubeadmFixtures
{
    public const string V129 = "zetaoss__zeta-linux";
    public const string V123 = "Carlinhos-111__KubernetesTest";
    public const string V111 = "devopsyuva__k8s-1.11";

    public static string Root { get; } = Locate();

    public static string PathOf(string tree) => Path.Combine(Root, tree);

    public static TempDir Copy(string tree)
    {
        var copy = new TempDir("kubeadm-" + tree);
        var source = PathOf(tree);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            var secret =
                target.EndsWith(".key", StringComparison.Ordinal)
                || target.EndsWith(".conf", StringComparison.Ordinal)
                || target.EndsWith("sa.pub", StringComparison.Ordinal);
            File.SetUnixFileMode(
                target,
                secret
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
            );
        }
        return copy;
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (
                var candidate in new[]
                {
                    Path.Combine(dir.FullName, "shared", "fixtures", "kubeadm-real"),
                    Path.Combine(dir.FullName, "..", "shared", "fixtures", "kubeadm-real"),
                }
            )
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }
        throw new DirectoryNotFoundException("shared/fixtures/kubeadm-real not found beside the repository");
    }
}
