namespace KubePki.Controller.Model;

/// <summary>kubectl's CONDITION column (extractCSRStatus): Denied beats Approved beats Pending, then ",Failed" and
/// ",Issued" suffixes. Types only, as kubectl ignores the condition status.</summary>
public static class CsrStatusText
{
    public static string Of(CsrSnapshot csr)
    {
        var text =
            csr.Has(CsrCondition.Denied) ? "Denied"
            : csr.Has(CsrCondition.Approved) ? "Approved"
            : "Pending";
        if (csr.Has(CsrCondition.Failed))
        {
            text += ",Failed";
        }
        if (csr.IsIssued)
        {
            text += ",Issued";
        }
        return text;
    }
}
