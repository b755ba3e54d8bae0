using System.Buffers.Binary;
using KubePki.Building;

namespace KubePki.Tests.Mutation;

/// <summary>kubeadm's serial numbers: uniformly random in [1, 2^63−1), so almost every one needs all 8 bytes; DER
/// wants the shortest positive encoding, so a leading zero byte is dropped only when the next byte keeps the number
/// positive.</summary>
public class SerialNumberTests
{
    [Fact]
    public void Serials_use_63_random_bits_in_their_shortest_positive_encoding()
    {
        var serials = Enumerable.Range(0, 1000).Select(_ => SerialNumber.NewRandom()).ToList();

        foreach (var serial in serials)
        {
            Assert.InRange(serial.Length, 1, 8);
            Assert.True(serial[0] < 0x80, Convert.ToHexString(serial));
            Assert.True(serial.Length == 1 || serial[0] != 0 || serial[1] >= 0x80, Convert.ToHexString(serial));
            var padded = new byte[8];
            serial.CopyTo(padded, 8 - serial.Length);
            Assert.InRange(BinaryPrimitives.ReadInt64BigEndian(padded), 1, long.MaxValue - 1);
        }
        // A leading zero byte has a chance of 1 in 128: with 1000 serials, fewer than 950 of 8 bytes means bits are
        // lost.
        Assert.True(serials.Count(s => s.Length == 8) >= 950, string.Join(" ", serials.Select(Convert.ToHexString)));
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }
}
