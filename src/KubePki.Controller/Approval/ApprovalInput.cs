using KubePki.Controller.Model;
using KubePki.Controller.Signing;

namespace KubePki.Controller.Approval;

/// <summary>Everything a rule may look at: the CSR as stored, its parsed request, the Node named by the requester
/// (null when it does not exist) and the options.</summary>
public sealed record ApprovalInput(CsrSnapshot Csr, CsrRequest Request, NodeFacts? Node, ApproverOptions Options)
{
    public string NodeName => KubeletServingApprover.NodeNameOf(Csr.Username) ?? "";
}
