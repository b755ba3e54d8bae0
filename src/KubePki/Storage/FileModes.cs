namespace KubePki.Storage;

/// <summary>kubeadm's file modes: keys, sa.pub, CSRs and kubeconfigs 0600; certificates 0644; directories
/// 0755.</summary>
internal static class FileModes
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode Directory =
        Public | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    public const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    public static string ToOctal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);
}
