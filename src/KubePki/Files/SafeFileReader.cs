using Microsoft.Win32.SafeHandles;

namespace KubePki.Files;

/// <summary>The one place the tool reads files. A read never blocks: the file is opened non-blocking and anything but
/// a regular file (a FIFO, a device, a socket) is refused. <see cref="ReadTrusted"/> also refuses links and files
/// another user owns, for state the tool itself wrote (the renewal journal, backup copies).</summary>
internal static class SafeFileReader
{
    public static byte[] Read(string path) => Read(path, trusted: false, long.MaxValue);

    public static byte[] ReadTrusted(string path) => Read(path, trusted: true, long.MaxValue);

    /// <summary>Like <see cref="Read(string)"/>, but a file longer than <paramref name="maxBytes"/> is refused
    /// before any of it is read, and no more than that is ever read (a file growing meanwhile is cut off).</summary>
    public static byte[] Read(string path, long maxBytes) => Read(path, trusted: false, maxBytes);

    private static byte[] Read(string path, bool trusted, long maxBytes)
    {
        SafeFileHandle handle;
        try
        {
            handle = Posix.OpenRead(path, noFollow: trusted);
        }
        catch (PosixException e) when (e.Errno == Posix.ELOOP && trusted)
        {
            throw new KubePkiException(
                $"{path} is a symbolic link; refusing to read it",
                KubePkiErrorKind.InvalidFile,
                e
            );
        }
        catch (PosixException e)
        {
            throw new KubePkiException($"{path}: cannot read: {e.Message[(path.Length + 2)..]}", IoErrors.KindOf(e), e);
        }
        using (handle)
        {
            var facts = Posix.Stat(handle, path);
            if (facts.Kind != FileKind.Regular)
            {
                throw new KubePkiException(
                    $"{path} is {facts.KindText}, not a regular file; refusing to read it",
                    KubePkiErrorKind.InvalidFile
                );
            }
            if (trusted && facts.Uid != Posix.EffectiveUserId)
            {
                throw new KubePkiException(
                    $"{path} is owned by uid {facts.Uid}, not by uid {Posix.EffectiveUserId} "
                        + "running kubepki; refusing to trust it",
                    KubePkiErrorKind.InvalidFile
                );
            }
            var length = RandomAccess.GetLength(handle);
            if (length > maxBytes)
            {
                throw new KubePkiException(
                    $"{path} is {length} bytes, more than the {maxBytes} bytes allowed; refusing to read it",
                    KubePkiErrorKind.InvalidFile
                );
            }
            var content = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, content.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return read == length ? content : content[..read];
        }
    }
}
