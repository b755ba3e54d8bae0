using System.Runtime.InteropServices;

namespace KubePki.Files;

/// <summary>A failed libc call, with the message strerror gives (e.g. "Too many levels of symbolic links").</summary>
internal sealed class PosixException(int errno, string path)
    : IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}")
{
    public int Errno { get; } = errno;
}
