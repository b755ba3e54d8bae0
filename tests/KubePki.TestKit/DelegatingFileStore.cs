using KubePki.Files;
using KubePki.Storage;

namespace KubePki.TestKit;

/// <summary>A file store that passes every call to <paramref name="inner"/> (the real disk store by default); a test
/// overrides only the calls it wants to fail, count or observe.</summary>
internal class DelegatingFileStore(IFileStore? inner = null) : IFileStore
{
    protected IFileStore Inner { get; } = inner ?? DiskFileStore.Instance;

    public virtual bool Exists(string path) => Inner.Exists(path);

    public virtual string ReadText(string path) => Inner.ReadText(path);

    public virtual byte[] ReadBytes(string path) => Inner.ReadBytes(path);

    public virtual byte[] ReadTrusted(string path) => Inner.ReadTrusted(path);

    public virtual FileFacts? Inspect(string path, bool followLinks = false) => Inner.Inspect(path, followLinks);

    public virtual string? ResolvePath(string path) => Inner.ResolvePath(path);

    public virtual IReadOnlyList<string> List(string directory) => Inner.List(directory);

    public virtual void CreateDirectory(string path, UnixFileMode mode) => Inner.CreateDirectory(path, mode);

    public virtual void Delete(string path) => Inner.Delete(path);

    public virtual void DeleteDirectory(string path) => Inner.DeleteDirectory(path);

    public virtual IDisposable Lock(string path, TimeSpan timeout, TimeProvider time) =>
        Inner.Lock(path, timeout, time);

    public virtual void Write(IReadOnlyList<FileWrite> files) => Inner.Write(files);
}
