using KubePki.Cli.Rendering;
using KubePki.Controller.Model;
using KubePki.GoText;

namespace KubePki.Cli.Commands.Csr;

/// <summary>kubectl's <c>get csr</c> table (printCertificateSigningRequest): the same columns, cell texts and
/// tabwriter layout (minwidth 6, padding 3, cells tab-separated with no trailing tab).</summary>
public static class CsrTablePrinter
{
    public static string Render(IEnumerable<CsrSnapshot> csrs, DateTimeOffset now)
    {
        var table = new TabWriter(minWidth: 6, padding: 3);
        table.WriteLine("NAME\tAGE\tSIGNERNAME\tREQUESTOR\tREQUESTEDDURATION\tCONDITION");
        foreach (var csr in csrs)
        {
            var age = csr.CreationTimestamp is { } created ? HumanDuration.Format(now - created) : "<unknown>";
            var signer = csr.SignerName.Length == 0 ? "<none>" : csr.SignerName;
            var duration = csr.ExpirationSeconds is { } seconds
                ? HumanDuration.Format(TimeSpan.FromSeconds(seconds))
                : "<none>";
            table.WriteLine($"{csr.Name}\t{age}\t{signer}\t{csr.Username}\t{duration}\t{CsrStatusText.Of(csr)}");
        }
        return table.Flush();
    }
}
