using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace KubePki.GoText;

/// <summary>IP addresses and CIDRs read exactly as Go's <c>net.ParseIP</c> / <c>net.ParseCIDR</c> read them (which is
/// how kubeadm, the kubelet and the API server read them): IPv4 is four decimal fields of 0–255 without leading zeros
/// (no <c>010.0.0.1</c>, <c>10.1</c>, <c>167772161</c> or <c>0x0a.0.0.1</c>); IPv6 is colon-separated groups of 1–4
/// hex digits with at most one <c>::</c> standing for at least one zero group and an optional dotted IPv4 tail in the
/// last 32 bits; zones (<c>%eth0</c>), brackets and ports are refused. .NET's own parser accepts all of
/// those.</summary>
internal static class IpAddressText
{
    /// <summary>Parses <paramref name="text"/> as Go's net.ParseIP does. An IPv4-mapped IPv6 address
    /// (<c>::ffff:10.0.0.1</c>) is returned as the IPv4 address: Go's net.IP treats the two as equal and writes it
    /// into a certificate as 4 bytes.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        var bytes = new byte[16];
        if (!TryParseExact(text, bytes, out var isV4))
        {
            return false;
        }
        address = Canonical(new IPAddress(isV4 ? bytes.AsSpan(12, 4) : bytes));
        return true;
    }

    /// <summary>Parses a CIDR as Go's net.ParseCIDR does: a Go IP, "/", a decimal prefix length no longer than the
    /// address; host bits are allowed and cleared (10.96.0.1/12 is 10.96.0.0/12).</summary>
    public static bool TryParseCidr(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash < 0)
        {
            return false;
        }
        var bytes = new byte[16];
        if (!TryParseExact(text![..slash], bytes, out var isV4))
        {
            return false;
        }
        var prefixText = text[(slash + 1)..];
        if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit))
        {
            return false;
        }
        var prefix = int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture);
        var addressBytes = isV4 ? bytes[12..] : bytes;
        if (prefix > addressBytes.Length * 8)
        {
            return false;
        }
        for (var bit = prefix; bit < addressBytes.Length * 8; bit++)
        {
            addressBytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        network = new IPNetwork(new IPAddress(addressBytes), prefix);
        return true;
    }

    /// <summary>The address as Go compares it: IPv4-mapped IPv6 becomes IPv4; anything else is unchanged.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Whether <paramref name="network"/> holds <paramref name="address"/>, treating an IPv4 address and its
    /// IPv4-mapped IPv6 form as one address.</summary>
    public static bool Contains(IPNetwork network, IPAddress address)
    {
        var canonical = Canonical(address);
        return network.Contains(canonical) || network.Contains(canonical.MapToIPv6());
    }

    // netip.ParseAddr: the first '.' or ':' decides the family; a zone is never accepted (net.ParseIP refuses it).
    private static bool TryParseExact(string? text, byte[] bytes, out bool isV4)
    {
        isV4 = false;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c == '.')
            {
                isV4 = true;
                return TryParseV4(text, bytes.AsSpan(12, 4));
            }
            if (c == ':')
            {
                return TryParseV6(text, bytes);
            }
        }
        return false;
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, Span<byte> fields)
    {
        var field = 0;
        var value = 0;
        var digits = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (digits == 1 && value == 0)
                {
                    return false; // a leading zero (Go refuses it rather than guess octal)
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255)
                {
                    return false;
                }
            }
            else if (c == '.' && digits > 0 && field < 3)
            {
                fields[field++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else
            {
                return false;
            }
        }
        if (field != 3 || digits == 0)
        {
            return false;
        }
        fields[3] = (byte)value;
        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool TryParseV6(string text, byte[] bytes)
    {
        var s = text.AsSpan();
        var ellipsis = -1;
        if (s.StartsWith("::"))
        {
            ellipsis = 0;
            s = s[2..];
            if (s.IsEmpty)
            {
                return true;
            }
        }
        var i = 0;
        while (i < 16)
        {
            var length = 0;
            var group = 0;
            while (length < s.Length && char.IsAsciiHexDigit(s[length]))
            {
                if (length == 4)
                {
                    return false; // more than 4 hex digits in a group
                }
                group = (group << 4) | HexValue(s[length]);
                length++;
            }
            if (length == 0)
            {
                return false;
            }
            if (length < s.Length && s[length] == '.')
            {
                // An embedded IPv4 must fill exactly the last 32 bits.
                if ((ellipsis < 0 && i != 12) || i + 4 > 16 || !TryParseV4(s, bytes.AsSpan(i, 4)))
                {
                    return false;
                }
                s = [];
                i += 4;
                break;
            }
            bytes[i] = (byte)(group >> 8);
            bytes[i + 1] = (byte)group;
            i += 2;
            s = s[length..];
            if (s.IsEmpty)
            {
                break;
            }
            if (s[0] != ':' || s.Length == 1)
            {
                return false;
            }
            s = s[1..];
            if (s[0] == ':')
            {
                if (ellipsis >= 0)
                {
                    return false; // two "::"
                }
                ellipsis = i;
                s = s[1..];
                if (s.IsEmpty)
                {
                    break;
                }
            }
        }
        if (!s.IsEmpty)
        {
            return false;
        }
        if (i < 16)
        {
            if (ellipsis < 0)
            {
                return false;
            }
            var shift = 16 - i;
            for (var j = i - 1; j >= ellipsis; j--)
            {
                bytes[j + shift] = bytes[j];
            }
            Array.Clear(bytes, ellipsis, shift);
            return true;
        }
        return ellipsis < 0; // "::" must stand for at least one zero group
    }
}
