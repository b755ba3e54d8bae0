using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KubePki.Building;

/// <summary>kubeadm's serial: uniformly random in [1, 2^63−1), minimal big-endian bytes.</summary>
internal static class SerialNumber
{
    public static byte[] NewRandom()
    {
        long value;
        Span<byte> random = stackalloc byte[8];
        do
        {
            RandomNumberGenerator.Fill(random);
            value = BinaryPrimitives.ReadInt64BigEndian(random) & long.MaxValue;
        } while (value is 0 or long.MaxValue);
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        var skip = 0;
        while (skip < 7 && bytes[skip] == 0 && bytes[skip + 1] < 0x80)
        {
            skip++;
        }
        return bytes[skip..];
    }
}
