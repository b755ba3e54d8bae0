namespace KubePki.Storage;

/// <summary>Reads from disk, keeps writes in memory (so later steps of a dry run see earlier ones) and reports each.</summary>
public sealed class DryRunFileStore(TextWriter log) : IFileStore
{
    private readonly Dictionary<string, FileWrite> _written = new(StringComparer.Ordinal);

    public bool Exists(string path) => _written.ContainsKey(Path.GetFullPath(path)) || File.Exists(path);

    public string ReadText(string path) =>
        _written.TryGetValue(Path.GetFullPath(path), out var file)
            ? System.Text.Encoding.UTF8.GetString(file.Content)
            : DiskFileStore.Instance.ReadText(path);

    public void Write(IReadOnlyList<FileWrite> files)
    {
        foreach (var file in files)
        {
            _written[Path.GetFullPath(file.Path)] = file;
            log.WriteLine($"[dryrun] Would write file \"{file.Path}\" with mode {FileModes.ToOctal(file.Mode)} ({file.Content.Length} bytes)");
        }
    }
}
