using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Controller.Tests.Support;

/// <summary>What a test CSR asks for; the defaults are a well-behaved ECDSA kubelet "node1" at 10.0.0.1.</summary>
public sealed record CsrSpec
{
    public string CommonName { get; init; } = "system:node:node1";

    public IReadOnlyList<string> Organizations { get; init; } = ["system:nodes"];

    public IReadOnlyList<string> DnsNames { get; init; } = ["node1"];

    public IReadOnlyList<IPAddress> IpAddresses { get; init; } = [IPAddress.Parse("10.0.0.1")];

    public IReadOnlyList<string> Emails { get; init; } = [];

    public IReadOnlyList<Uri> Uris { get; init; } = [];

    /// <summary>A subject written as is, instead of CN <see cref="CommonName"/> and O <see
    /// cref="Organizations"/>.</summary>
    public X500DistinguishedName? Subject { get; init; }

    public IReadOnlyList<X509Extension> ExtraExtensions { get; init; } = [];

    /// <summary>"ecdsa" (P-256), "rsa" (a fixture RSA-2048 key) or "rsa1024".</summary>
    public string Key { get; init; } = "ecdsa";

    public static CsrSpec ForNode(string node, params string[] ips) =>
        new()
        {
            CommonName = $"system:node:{node}",
            DnsNames = [node],
            IpAddresses = ips.Select(IPAddress.Parse).ToList(),
        };
}
