using KubePki.Controller.Model;
using KubePki.Controller.Signing;

namespace KubePki.Controller.Approval;

/// <summary>Approves a <c>kubernetes.io/kubelet-serving</c> CSR only when every rule passes, including the ones the
/// community approvers skip: the requester is the node the CN names, and every SAN is an address that Node reports.
/// Pure: the Node comes in as data, the verdict goes out as data.</summary>
public sealed class KubeletServingApprover(ApproverOptions options)
{
    public const string NodeUserPrefix = "system:node:";

    /// <summary>The rule named when the request's key type is never signed (decided while parsing).</summary>
    public const string KeyIsSupported = nameof(KeyIsSupported);

    public static IReadOnlyList<IApprovalRule> DefaultRules { get; } =
    [
        new UsernameIsNode(),
        new RequestorInNodesGroup(),
        new CommonNameMatchesUsername(),
        new OrganizationIsSystemNodes(),
        new UsagesAllowedForKeyType(),
        new KeyIsStrongEnough(),
        new NoEmailOrUriSans(),
        new HasDnsOrIpSan(),
        new NoCaExtension(),
        new SingleCommonName(),
        new NoControlCharacters(),
        new NodeExists(),
        new IpSansOnNode(),
        new DnsSansOnNode(),
        new IpSansOutsideServiceNetwork(),
        new IpSansOutsidePodNetwork(),
        new NoApiServerNames(),
        new NoApiServerAddresses(),
        new SansNotClaimedByOtherNodes(),
        new IpSansInAllowedRanges(),
        new DnsSansMatchAllowedPatterns(),
        new ExpirationWithinLimit(),
    ];

    public ApproverOptions Options { get; } = options;

    public IReadOnlyList<IApprovalRule> Rules { get; init; } = DefaultRules;

    /// <summary>The Node a CSR's requester claims to be, from the API-set username (not from the request's
    /// CN).</summary>
    public static string? NodeNameOf(string username) =>
        username.StartsWith(NodeUserPrefix, StringComparison.Ordinal) && username.Length > NodeUserPrefix.Length
            ? username[NodeUserPrefix.Length..]
            : null;

    /// <summary>Whether this CSR is ours to judge now; the runtime skips the Node lookup otherwise.</summary>
    public static string? IgnoreReason(CsrSnapshot csr)
    {
        if (csr.SignerName != SignerNames.KubeletServing)
        {
            return $"signer {csr.SignerName} is not {SignerNames.KubeletServing}";
        }
        if (csr.Has(CsrCondition.Approved) || csr.Has(CsrCondition.Denied))
        {
            return "already approved or denied";
        }
        return csr.IsIssued ? "already issued" : null;
    }

    /// <summary>Judges a CSR against one Node only (no other Nodes to compare with).</summary>
    public ApprovalVerdict Evaluate(CsrSnapshot csr, NodeFacts? node) =>
        Evaluate(csr, node is null ? NodeSet.Empty : NodeSet.Of([node]));

    /// <summary>Judges a CSR against every Node the controller knows: the requester's own and all others.</summary>
    public ApprovalVerdict Evaluate(CsrSnapshot csr, NodeSet nodes)
    {
        if (IgnoreReason(csr) is { } ignore)
        {
            return ApprovalVerdict.Ignore(ignore);
        }
        CsrRequest request;
        try
        {
            request = CsrRequestParser.Parse(csr.Request);
        }
        catch (UnsupportedKeyException e)
        {
            // Still a request the parser refuses, so RequestIsValid fails too; KeyIsSupported names the cause.
            return Deny([
                new ApprovalViolation("RequestIsValid", "the request cannot be signed"),
                new ApprovalViolation(KeyIsSupported, e.Message),
            ]);
        }
        catch (InvalidCsrException e)
        {
            return Deny([new ApprovalViolation("RequestIsValid", e.Message)]);
        }
        var input = new ApprovalInput(csr, request, nodes.Find(NodeNameOf(csr.Username) ?? ""), Options, nodes);
        var violations = new List<ApprovalViolation>();
        foreach (var rule in Rules)
        {
            if (rule.Check(input) is { } message)
            {
                violations.Add(new ApprovalViolation(rule.Name, message));
            }
        }
        if (violations.Count > 0)
        {
            return Deny(violations);
        }
        var sans = string.Join(", ", request.DnsNames.Concat(request.IpAddresses.Select(ip => ip.ToString())));
        return new ApprovalVerdict(
            ApprovalDecision.Approve,
            [],
            ApprovalVerdict.ApprovedReason,
            $"kubepki approved the kubelet serving certificate of node {input.NodeName}: requester, subject, usages "
                + $"and every SAN ({sans}) match the Node"
        );
    }

    private static ApprovalVerdict Deny(IReadOnlyList<ApprovalViolation> violations) =>
        new(
            ApprovalDecision.Deny,
            violations,
            ApprovalVerdict.DeniedReason,
            $"kubepki denied the kubelet serving certificate: {string.Join("; ", violations)}"
        );
}
