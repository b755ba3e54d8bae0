using KubePki.TestKit;

namespace KubePki.Tests;

/// <summary>A small tmpfs mounted for one test (tests run as root, as CI does): a real read-only or full file
/// system.</summary>
public sealed class TmpfsMount : IDisposable
{
    public const string FillerName = "filler";

    private readonly TempDir _dir = new("kubepki-tmpfs");

    private TmpfsMount(string size)
    {
        Mount("-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", _dir.Path);
    }

    public string Path => _dir.Path;

    public static TmpfsMount Create(string size) => new(size);

    public void Remount(string options) => Mount("-o", $"remount,{options}", _dir.Path);

    /// <summary>Fills the file system to the last block.</summary>
    public void Fill()
    {
        using var stream = File.OpenWrite(System.IO.Path.Combine(Path, FillerName));
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException) { }
    }

    public void Dispose()
    {
        ExternalTool.Run("umount", [_dir.Path]);
        _dir.Dispose();
    }

    private static void Mount(params string[] args)
    {
        var result = ExternalTool.Run("mount", args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"mount {string.Join(' ', args)} failed (these tests need root, as CI has): {result.All}"
            );
        }
    }
}
