using System.Net;
using KubePki.GoText;

namespace KubePki.Tests.GoText;

/// <summary>Cases from Go's net/netip parsing rules: what net.ParseIP accepts, what it refuses, and how the IPv4-mapped
/// form compares.</summary>
public class IpAddressTextTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("FD00:0:0:0:0:0:0:0001", "fd00::1")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8")]
    [InlineData("1::", "1::")]
    [InlineData("::ffff:10.96.0.1", "10.96.0.1")]
    [InlineData("::FFFF:0a60:0001", "10.96.0.1")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304")]
    [InlineData("::1.2.3.4", "::102:304")]
    public void Go_accepts_these(string text, string expected)
    {
        Assert.True(IpAddressText.TryParse(text, out var ip));
        Assert.Equal(IPAddress.Parse(expected), ip);
    }

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("10.1")]
    [InlineData("10.0.1")]
    [InlineData("167772161")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.1.")]
    [InlineData(".10.0.0.1")]
    [InlineData("10..0.1")]
    [InlineData("10.0.0.1.5")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1\n")]
    [InlineData("10.0.0.00")]
    [InlineData("")]
    [InlineData("node1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("[::1]:80")]
    [InlineData("10.0.0.1:80")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4::5:6:7:8")]
    [InlineData("1::2::3")]
    [InlineData("12345::1")]
    [InlineData(":1::")]
    [InlineData("1:")]
    [InlineData("::ffff:010.0.0.1")]
    [InlineData("::ffff:10.1")]
    [InlineData("1:2:3:4:5:1.2.3.4")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("::1.2.3.4:5")]
    public void Go_refuses_these(string text) => Assert.False(IpAddressText.TryParse(text, out _));

    [Theory]
    [InlineData("10.96.0.0/12", "10.96.0.0/12")]
    [InlineData("10.96.0.1/12", "10.96.0.0/12")]
    [InlineData("10.96.0.0/012", "10.96.0.0/12")]
    [InlineData("fd00:10:96::/112", "fd00:10:96::/112")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Cidrs_parse_as_go_parses_them(string text, string expected)
    {
        Assert.True(IpAddressText.TryParseCidr(text, out var network));
        Assert.Equal(IPNetwork.Parse(expected), network);
    }

    [Theory]
    [InlineData("010.96.0.0/12")]
    [InlineData("10.96/12")]
    [InlineData("10.96.0.0/33")]
    [InlineData("10.96.0.0/")]
    [InlineData("10.96.0.0")]
    [InlineData("10.96.0.0/-1")]
    [InlineData("10.96.0.0/1 ")]
    [InlineData("fd00::/129")]
    [InlineData("fe80::%eth0/64")]
    public void Bad_cidrs_are_refused(string text) => Assert.False(IpAddressText.TryParseCidr(text, out _));

    [Fact]
    public void A_mapped_address_is_inside_the_ipv4_network()
    {
        IpAddressText.TryParseCidr("10.96.0.0/12", out var services);

        Assert.True(IpAddressText.Contains(services, IPAddress.Parse("::ffff:10.96.0.1")));
        Assert.False(IpAddressText.Contains(services, IPAddress.Parse("10.112.0.1")));
    }
}
