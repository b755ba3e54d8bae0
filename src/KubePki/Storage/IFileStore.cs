namespace KubePki.Storage;

/// <summary>Where PKI files are read and written. <see cref="DiskFileStore"/> writes atomically;
/// <see cref="DryRunFileStore"/> keeps writes in memory so --dry-run changes nothing.</summary>
public interface IFileStore
{
    bool Exists(string path);

    string ReadText(string path);

    /// <summary>Writes the files as one unit: all are staged first, then renamed into place; if any step fails the
    /// files this call created or replaced are put back as they were.</summary>
    void Write(IReadOnlyList<FileWrite> files);
}
