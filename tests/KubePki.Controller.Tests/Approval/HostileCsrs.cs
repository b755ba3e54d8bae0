using System.Net;
using System.Security.Cryptography.X509Certificates;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Approval;

/// <summary>The catalogue of hostile kubelet-serving CSRs from issue 4, each with the rule that must catch it. Shared
/// by
/// the pure approver tests and the end-to-end tests against the test API server.</summary>
public static class HostileCsrs
{
    public sealed record Case(
        string Name,
        Func<CsrSnapshot> Build,
        string ExpectedRule,
        ApproverOptions? Options = null,
        bool NodeMissing = false,
        NodeFacts? Node = null
    )
    {
        /// <summary>The Nodes the approver knows for this case: the requester's (unless missing) and node2.</summary>
        public NodeSet Nodes => NodeSet.Of(NodeMissing ? [Node2] : [Node ?? Node1, Node2]);
    }

    /// <summary>node1 whose status (which its kubelet writes) also lists <paramref name="extra"/>.</summary>
    private static NodeFacts Node1Listing(params (string Type, string Address)[] extra) =>
        Node1 with
        {
            Addresses = [.. Node1.Addresses, .. extra.Select(e => new NodeAddress(e.Type, e.Address))],
        };

    private static ApproverOptions WithPattern(string pattern) =>
        new([ApproverOptions.Pattern(pattern)], [], ApproverOptions.DefaultMaxExpiration);

    private static X500DistinguishedName TwoCommonNames(string first, string second)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName("system:nodes");
        builder.AddCommonName(first);
        builder.AddCommonName(second);
        return builder.Build();
    }

    public static readonly NodeFacts Node1 = new(
        "node1",
        [
            new("InternalIP", "10.0.0.1"),
            new("ExternalIP", "203.0.113.10"),
            new("InternalIP", "fd00::1"),
            new("Hostname", "node1"),
            new("InternalDNS", "node1.cluster.local"),
        ]
    );

    public static readonly NodeFacts Node2 = new("node2", [new("InternalIP", "10.0.0.2"), new("Hostname", "node2")]);

    private static readonly CsrSpec Good = CsrSpec.ForNode("node1", "10.0.0.1");

    private static CsrSnapshot Csr(CsrSpec spec) => Csrs.Serving(spec, username: "system:node:node1");

    public static IReadOnlyList<Case> All { get; } =
    [
        new("another node's IP", () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.0.0.2")] }), "IpSansOnNode"),
        new(
            "an IP not on the Node",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.9.9.9")] }),
            "IpSansOnNode"
        ),
        new(
            "one good IP plus a foreign one",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("8.8.8.8")] }),
            "IpSansOnNode"
        ),
        new(
            "an IPv6 address not on the Node",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("fd00::99")] }),
            "IpSansOnNode"
        ),
        new("loopback IP", () => Csr(Good with { IpAddresses = [IPAddress.Loopback] }), "IpSansOnNode"),
        new("another node's name", () => Csr(Good with { DnsNames = ["node2"] }), "DnsSansOnNode"),
        new(
            "a DNS name that is not the node's",
            () => Csr(Good with { DnsNames = ["kubernetes.default.svc"] }),
            "DnsSansOnNode"
        ),
        new("wildcard DNS", () => Csr(Good with { DnsNames = ["*.cluster.local"] }), "DnsSansOnNode"),
        new(
            "wildcard under the node's own name",
            () => Csr(Good with { DnsNames = ["*.node1.cluster.local"] }),
            "DnsSansOnNode",
            new ApproverOptions(
                [ApproverOptions.Pattern(@".*\.cluster\.local")],
                [],
                ApproverOptions.DefaultMaxExpiration
            )
        ),
        new(
            "a name that only starts with the node name",
            () => Csr(Good with { DnsNames = ["node1evil.example.com"] }),
            "DnsSansOnNode",
            new ApproverOptions(
                [ApproverOptions.Pattern(@".*\.example\.com")],
                [],
                ApproverOptions.DefaultMaxExpiration
            )
        ),
        new(
            "an allowed-pattern name of another node",
            () => Csr(Good with { DnsNames = ["node2.example.com"] }),
            "DnsSansOnNode",
            new ApproverOptions(
                [ApproverOptions.Pattern(@".*\.example\.com")],
                [],
                ApproverOptions.DefaultMaxExpiration
            )
        ),
        new(
            "the node name under a foreign domain",
            () => Csr(Good with { DnsNames = ["node1.attacker.io"] }),
            "DnsSansOnNode"
        ),
        new("an email SAN", () => Csr(Good with { Emails = ["root@node1"] }), "NoEmailOrUriSans"),
        new(
            "a URI SAN",
            () => Csr(Good with { Uris = [new Uri("spiffe://cluster.local/ns/kube-system/sa/admin")] }),
            "NoEmailOrUriSans"
        ),
        new(
            "CN of another node",
            () => Csr(Good with { CommonName = "system:node:node2" }),
            "CommonNameMatchesUsername"
        ),
        new(
            "CN that is not a node",
            () => Csr(Good with { CommonName = "kubernetes-admin" }),
            "CommonNameMatchesUsername"
        ),
        new("a username that is not a node", () => Csrs.Serving(Good, username: "alice"), "UsernameIsNode"),
        new(
            "a service account",
            () =>
                Csrs.Serving(
                    Good,
                    username: "system:serviceaccount:kube-system:default",
                    groups: ["system:serviceaccounts", "system:authenticated"]
                ),
            "UsernameIsNode"
        ),
        new(
            "an empty node name",
            () => Csrs.Serving(Good with { CommonName = "system:node:" }, username: "system:node:"),
            "UsernameIsNode"
        ),
        new(
            "a node-named user outside system:nodes",
            () => Csrs.Serving(Good, username: "system:node:node1", groups: ["system:authenticated"]),
            "RequestorInNodesGroup"
        ),
        new("O missing", () => Csr(Good with { Organizations = [] }), "OrganizationIsSystemNodes"),
        new(
            "O extra system:masters",
            () => Csr(Good with { Organizations = ["system:nodes", "system:masters"] }),
            "OrganizationIsSystemNodes"
        ),
        new("O wrong", () => Csr(Good with { Organizations = ["system:masters"] }), "OrganizationIsSystemNodes"),
        new(
            "O repeated",
            () => Csr(Good with { Organizations = ["system:nodes", "system:nodes"] }),
            "OrganizationIsSystemNodes"
        ),
        new(
            "client auth added",
            () => Csrs.Serving(Good, usages: ["digital signature", "server auth", "client auth"]),
            "UsagesAllowedForKeyType"
        ),
        new(
            "client auth instead of server auth",
            () => Csrs.Serving(Good, usages: ["digital signature", "client auth"]),
            "UsagesAllowedForKeyType"
        ),
        new(
            "cert sign usage",
            () => Csrs.Serving(Good, usages: ["digital signature", "server auth", "cert sign"]),
            "UsagesAllowedForKeyType"
        ),
        new("any usage", () => Csrs.Serving(Good, usages: ["digital signature", "any"]), "UsagesAllowedForKeyType"),
        new(
            "key encipherment on an ECDSA key",
            () => Csrs.Serving(Good, usages: Csrs.RsaServingUsages),
            "UsagesAllowedForKeyType"
        ),
        new(
            "a CA:true extension",
            () => Csr(Good with { ExtraExtensions = [new X509BasicConstraintsExtension(true, false, 0, true)] }),
            "NoCaExtension"
        ),
        new(
            "a pathLen extension",
            () => Csr(Good with { ExtraExtensions = [new X509BasicConstraintsExtension(false, true, 0, true)] }),
            "NoCaExtension"
        ),
        new(
            "expiration beyond the limit",
            () => Csrs.Serving(Good, expirationSeconds: 400 * 24 * 3600),
            "ExpirationWithinLimit"
        ),
        new(
            "expiration beyond a tight limit",
            () => Csrs.Serving(Good, expirationSeconds: 7200),
            "ExpirationWithinLimit",
            new ApproverOptions([], [], TimeSpan.FromHours(1))
        ),
        new(
            "an IP outside --allowed-ip-ranges",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("203.0.113.10")] }),
            "IpSansInAllowedRanges",
            new ApproverOptions([], [IPNetwork.Parse("10.0.0.0/8")], ApproverOptions.DefaultMaxExpiration)
        ),
        new(
            "an unknown node",
            () => Csrs.Serving(CsrSpec.ForNode("ghost", "10.0.0.1"), username: "system:node:ghost"),
            "NodeExists",
            NodeMissing: true
        ),
        new("no SANs", () => Csr(Good with { DnsNames = [], IpAddresses = [] }), "HasDnsOrIpSan"),
        new(
            "malformed PEM",
            () =>
                Csrs.Serving(
                    Good,
                    request: (
                        "-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n"u8 + "-----END CERTIFICATE REQUEST-----\n"u8
                    ).ToArray()
                ),
            "RequestIsValid"
        ),
        new(
            "a PEM block of the wrong type",
            () =>
                Csrs.Serving(
                    Good,
                    request: System.Text.Encoding.ASCII.GetBytes(
                        System
                            .Text.Encoding.ASCII.GetString(CsrFactory.Pem(Good))
                            .Replace("CERTIFICATE REQUEST", "CERTIFICATE")
                    )
                ),
            "RequestIsValid"
        ),
        new("bad signature", () => Csrs.Serving(Good, request: CsrFactory.BadSignature(Good)), "RequestIsValid"),
        new("RSA-1024 key", () => Csr(Good with { Key = "rsa1024" }), "KeyIsStrongEnough"),
        // Issue 7: what a node lists in its own status is not enough.
        new(
            "the API server's service IP the node lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.96.0.1")] }),
            "IpSansOutsideServiceNetwork",
            Node: Node1Listing(("InternalIP", "10.96.0.1"))
        ),
        new(
            "a service IP in IPv4-mapped form the node lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("::ffff:10.96.0.10")] }),
            "IpSansOutsideServiceNetwork",
            Node: Node1Listing(("InternalIP", "::ffff:10.96.0.10"))
        ),
        new(
            "an IP in a custom service network the node lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.200.0.10")] }),
            "IpSansOutsideServiceNetwork",
            ApproverOptions.Default with
            {
                ServiceNetworks = [IPNetwork.Parse("10.200.0.0/16")],
            },
            Node: Node1Listing(("InternalIP", "10.200.0.10"))
        ),
        new(
            "the controlPlaneEndpoint host the node lists, in other case and with a final dot",
            () => Csr(Good with { DnsNames = ["API.corp.example."] }),
            "NoApiServerAddresses",
            ApproverOptions.Default with
            {
                ApiServerNames = [new ApiServerName("api.corp.example", ApiServerName.ControlPlaneEndpoint)],
            },
            Node: Node1Listing(("ExternalDNS", "API.corp.example."))
        ),
        new(
            "a name a wildcard apiServer.certSANs entry covers, which the node lists",
            () => Csr(Good with { DnsNames = ["node1.api.corp.example"] }),
            "NoApiServerAddresses",
            ApproverOptions.Default with
            {
                ApiServerNames = [new ApiServerName("*.api.corp.example", ApiServerName.CertSans)],
            },
            Node: Node1Listing(("ExternalDNS", "node1.api.corp.example"))
        ),
        new(
            "an apiServer.certSANs IP in IPv4-mapped form the node lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("::ffff:192.0.2.10")] }),
            "NoApiServerAddresses",
            ApproverOptions.Default with
            {
                ApiServerNames = [new ApiServerName("192.0.2.10", ApiServerName.CertSans)],
            },
            Node: Node1Listing(("ExternalIP", "::ffff:192.0.2.10"))
        ),
        new(
            "a pod IP the node lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.244.1.1")] }),
            "IpSansOutsidePodNetwork",
            ApproverOptions.Default with
            {
                PodNetworks = [IPNetwork.Parse("10.244.0.0/16")],
            },
            Node: Node1Listing(("ExternalIP", "10.244.1.1"))
        ),
        new(
            "kubernetes the node lists",
            () => Csr(Good with { DnsNames = ["kubernetes"] }),
            "NoApiServerNames",
            Node: Node1Listing(("Hostname", "kubernetes"))
        ),
        new(
            "kubernetes.default the node lists",
            () => Csr(Good with { DnsNames = ["kubernetes.default"] }),
            "NoApiServerNames",
            Node: Node1Listing(("InternalDNS", "kubernetes.default"))
        ),
        new(
            "kubernetes.default.svc the node lists",
            () => Csr(Good with { DnsNames = ["kubernetes.default.svc"] }),
            "NoApiServerNames",
            Node: Node1Listing(("InternalDNS", "kubernetes.default.svc"))
        ),
        new(
            "the API server's full name the node lists",
            () => Csr(Good with { DnsNames = ["KUBERNETES.default.svc.cluster.local."] }),
            "NoApiServerNames",
            Node: Node1Listing(("ExternalDNS", "KUBERNETES.default.svc.cluster.local."))
        ),
        new(
            "a Service name under .svc the node lists",
            () => Csr(Good with { DnsNames = ["vault.secrets.svc"] }),
            "NoApiServerNames",
            Node: Node1Listing(("InternalDNS", "vault.secrets.svc"))
        ),
        new(
            "a Service name under a custom domain the node lists",
            () => Csr(Good with { DnsNames = ["vault.secrets.svc.corp.example"] }),
            "NoApiServerNames",
            ApproverOptions.Default with
            {
                ClusterDomain = "corp.example",
            },
            Node: Node1Listing(("InternalDNS", "vault.secrets.svc.corp.example"))
        ),
        new(
            "another node's IP the node also lists",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("10.0.0.2")] }),
            "SansNotClaimedByOtherNodes",
            Node: Node1Listing(("InternalIP", "10.0.0.2"))
        ),
        new(
            "another node's name the node also lists",
            () => Csr(Good with { DnsNames = ["node2"] }),
            "SansNotClaimedByOtherNodes",
            Node: Node1Listing(("InternalDNS", "node2"))
        ),
        new(
            "an octal-looking node address read as 8.0.0.1",
            () => Csr(Good with { IpAddresses = [IPAddress.Parse("8.0.0.1")] }),
            "IpSansOnNode",
            Node: Node1Listing(("InternalIP", "010.0.0.1"))
        ),
        new(
            "a name with a trailing newline that a pattern matches",
            () => Csr(Good with { DnsNames = ["node1.example.com\n"] }),
            "NoControlCharacters",
            WithPattern(@"node1\.example\.com")
        ),
        new(
            "a name with a NUL",
            () => Csr(Good with { DnsNames = ["node1\0.attacker.io"] }),
            "NoControlCharacters",
            Node: Node1Listing(("InternalDNS", "node1\0.attacker.io"))
        ),
        new(
            "a pattern that takes too long",
            () => Csr(Good with { DnsNames = ["node1." + new string('a', 40)] }),
            "DnsSansOnNode",
            WithPattern(@"node1\.(a|aa)+b")
        ),
        new(
            "a name the node lists that no allowed pattern matches",
            () => Csr(Good with { DnsNames = ["www.bank.example"] }),
            "DnsSansMatchAllowedPatterns",
            WithPattern(@"[a-z0-9-]+\.nodes\.example\.com"),
            Node: Node1Listing(("ExternalDNS", "www.bank.example"))
        ),
        new(
            "two CNs, the last one the requester",
            () => Csr(Good with { Subject = TwoCommonNames("system:node:node2", "system:node:node1") }),
            "SingleCommonName"
        ),
        new(
            "two CNs, the first one the requester",
            () => Csr(Good with { Subject = TwoCommonNames("system:node:node1", "system:node:node2") }),
            "SingleCommonName"
        ),
    ];

    public static TheoryData<string> Names => new(All.Select(c => c.Name));

    public static Case Get(string name) => All.Single(c => c.Name == name);
}
