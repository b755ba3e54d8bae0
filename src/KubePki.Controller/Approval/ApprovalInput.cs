using KubePki.Controller.Model;
using KubePki.Controller.Signing;

namespace KubePki.Controller.Approval;

/// <summary>Everything a rule may look at: the CSR as stored, its parsed request, the Node named by the requester
/// (null when it does not exist), every other Node the controller knows, and the options.</summary>
public sealed record ApprovalInput(
    CsrSnapshot Csr,
    CsrRequest Request,
    NodeFacts? Node,
    ApproverOptions Options,
    NodeSet? Nodes = null
)
{
    public string NodeName => KubeletServingApprover.NodeNameOf(Csr.Username) ?? "";

    public NodeSet AllNodes => Nodes ?? NodeSet.Empty;
}
