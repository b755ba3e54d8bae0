using System.Net;
using KubePki.Controller.Approval;
using KubePki.Controller.Model;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Approval;

public class KubeletServingApproverTests
{
    [Fact]
    public void The_catalogue_holds_at_least_thirty_hostile_csrs() => Assert.True(HostileCsrs.All.Count >= 30);

    [Theory]
    [MemberData(nameof(HostileCsrs.Names), MemberType = typeof(HostileCsrs))]
    public void A_hostile_csr_is_denied_by_the_rule_that_catches_it(string name)
    {
        var hostile = HostileCsrs.Get(name);
        var approver = new KubeletServingApprover(hostile.Options ?? ApproverOptions.Default);

        var verdict = approver.Evaluate(hostile.Build(), hostile.Nodes);

        Assert.Equal(ApprovalDecision.Deny, verdict.Decision);
        Assert.Contains(verdict.Violations, v => v.Rule == hostile.ExpectedRule);
        Assert.Equal(ApprovalVerdict.DeniedReason, verdict.Reason);
        Assert.Contains(hostile.ExpectedRule, verdict.Message);
    }

    public static TheoryData<string, string[], string> GoodRequests =>
        new()
        {
            { "ecdsa", ["10.0.0.1"], "node1" },
            { "ecdsa", ["10.0.0.1", "203.0.113.10", "fd00::1"], "node1.cluster.local" },
            { "rsa", ["10.0.0.1"], "NODE1" },
        };

    [Theory]
    [MemberData(nameof(GoodRequests))]
    public void A_kubelets_own_addresses_are_approved(string key, string[] ips, string dns)
    {
        var spec = CsrSpec.ForNode("node1", ips) with { Key = key, DnsNames = [dns] };
        var verdict = new KubeletServingApprover(ApproverOptions.Default).Evaluate(
            Csrs.Serving(spec),
            HostileCsrs.Node1
        );

        Assert.Equal(ApprovalDecision.Approve, verdict.Decision);
        Assert.Empty(verdict.Violations);
        Assert.Contains("node node1", verdict.Message);
    }

    [Fact]
    public void An_rsa_kubelet_may_leave_out_key_encipherment()
    {
        var spec = CsrSpec.ForNode("node1", "10.0.0.1") with { Key = "rsa" };
        var verdict = new KubeletServingApprover(ApproverOptions.Default).Evaluate(
            Csrs.Serving(spec, usages: Csrs.EcdsaServingUsages),
            HostileCsrs.Node1
        );

        Assert.Equal(ApprovalDecision.Approve, verdict.Decision);
    }

    [Fact]
    public void A_name_matching_the_allowed_pattern_under_the_node_name_is_approved()
    {
        var options = new ApproverOptions(
            [ApproverOptions.Pattern(@"[a-z0-9-]+\.nodes\.example\.com")],
            [IPNetwork.Parse("10.0.0.0/8")],
            TimeSpan.FromDays(30)
        );
        var spec = CsrSpec.ForNode("node1", "10.0.0.1") with { DnsNames = ["node1", "node1.nodes.example.com"] };

        var verdict = new KubeletServingApprover(options).Evaluate(
            Csrs.Serving(spec, expirationSeconds: 86400),
            HostileCsrs.Node1
        );

        Assert.Equal(ApprovalDecision.Approve, verdict.Decision);
    }

    [Theory]
    [InlineData("api.corp.example", "API.corp.example.", true)]
    [InlineData("api.corp.example", "node1.api.corp.example", false)]
    [InlineData("*.api.corp.example", "node1.api.corp.example", true)]
    [InlineData("*.api.corp.example", "api.corp.example", false)]
    [InlineData("*.api.corp.example", "a.node1.api.corp.example", false)]
    [InlineData("192.0.2.10", "192.0.2.10", false)]
    public void An_api_server_dns_name_is_matched_as_tls_clients_match_it(string own, string dns, bool matches) =>
        Assert.Equal(matches, new ApiServerName(own, ApiServerName.CertSans).Matches(dns));

    [Fact]
    public void A_pod_network_ip_the_node_lists_is_approved_under_the_operators_policy()
    {
        var node = HostileCsrs.Node1 with
        {
            Addresses = [.. HostileCsrs.Node1.Addresses, new NodeAddress("InternalIP", "10.244.0.5")],
        };
        var options = ApproverOptions.Default with { PodNetworks = [IPNetwork.Parse("10.244.0.0/16")] };
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1", "10.244.0.5"));

        var denied = new KubeletServingApprover(options).Evaluate(csr, node);
        var allowed = new KubeletServingApprover(options with { AllowPodNetworkIps = true }).Evaluate(csr, node);

        Assert.Equal(["IpSansOutsidePodNetwork"], denied.Violations.Select(v => v.Rule));
        Assert.Equal(ApprovalDecision.Approve, allowed.Decision);
    }

    [Fact]
    public void Every_violation_is_reported_not_only_the_first()
    {
        var spec = CsrSpec.ForNode("node1", "10.0.0.2") with { DnsNames = ["evil"], Organizations = [] };

        var verdict = new KubeletServingApprover(ApproverOptions.Default).Evaluate(
            Csrs.Serving(spec),
            HostileCsrs.Node1
        );

        Assert.Equal(
            ["OrganizationIsSystemNodes", "IpSansOnNode", "DnsSansOnNode"],
            verdict.Violations.Select(v => v.Rule)
        );
    }

    public static TheoryData<string> OtherSigners =>
        new(SignerNames.All.Where(s => s != SignerNames.KubeletServing).Append("example.com/custom"));

    [Theory]
    [MemberData(nameof(OtherSigners))]
    public void A_csr_of_another_signer_is_never_judged(string signer)
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.0.0.1"), signer: signer);

        var verdict = new KubeletServingApprover(ApproverOptions.Default).Evaluate(csr, HostileCsrs.Node1);

        Assert.Equal(ApprovalDecision.Ignore, verdict.Decision);
    }

    [Theory]
    [InlineData(CsrCondition.Approved)]
    [InlineData(CsrCondition.Denied)]
    public void A_decided_csr_is_left_alone(string condition)
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("node1", "10.9.9.9")).With(condition);

        Assert.Equal(
            ApprovalDecision.Ignore,
            new KubeletServingApprover(ApproverOptions.Default).Evaluate(csr, HostileCsrs.Node1).Decision
        );
    }

    [Theory]
    [InlineData("system:node:node1", "node1")]
    [InlineData("system:node:", null)]
    [InlineData("system:nodes:x", null)]
    [InlineData("node1", null)]
    public void The_node_name_comes_from_the_username(string username, string? node) =>
        Assert.Equal(node, KubeletServingApprover.NodeNameOf(username));
}
