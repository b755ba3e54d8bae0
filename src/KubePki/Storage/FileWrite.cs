namespace KubePki.Storage;

/// <summary>One file to write: absolute path, content and the mode it has from the moment it exists.</summary>
public sealed record FileWrite(string Path, byte[] Content, UnixFileMode Mode)
{
    public static FileWrite Text(string path, string content, UnixFileMode mode) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(content), mode);
}
