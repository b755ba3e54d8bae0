using System.Security.Cryptography;

namespace KubePki.Controller.Signing;

/// <summary>KCM's serial: uniformly random in [0, 2^128), as a minimal positive DER INTEGER body.</summary>
public static class RandomSerial
{
    public static byte[] New()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        var skip = 0;
        while (skip < 15 && random[skip] == 0)
        {
            skip++;
        }
        var value = random[skip..];
        // A set high bit would make the INTEGER negative: prefix a zero byte.
        return value[0] >= 0x80 ? [0, .. value] : value.ToArray();
    }
}
