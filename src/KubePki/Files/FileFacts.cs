using System.Buffers.Binary;

namespace KubePki.Files;

internal enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>What stat says about a path: its type, permission bits, owner and group.</summary>
internal sealed record FileFacts(FileKind Kind, UnixFileMode Mode, uint Uid, uint Gid)
{
    public bool IsGroupOrWorldWritable => (Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    public string KindText =>
        Kind switch
        {
            FileKind.Regular => "a regular file",
            FileKind.Directory => "a directory",
            FileKind.SymbolicLink => "a symbolic link",
            FileKind.Fifo => "a FIFO",
            FileKind.CharacterDevice => "a character device",
            FileKind.BlockDevice => "a block device",
            _ => "a socket",
        };

    // struct statx: stx_uid at 20, stx_gid at 24, stx_mode (u16) at 28.
    internal static FileFacts FromStatx(ReadOnlySpan<byte> buffer)
    {
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };
        return new FileFacts(
            kind,
            (UnixFileMode)(mode & 0xFFF),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..])
        );
    }
}
