using KubePki.Controller.Model;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Model;

public class ModelTextTests
{
    [Theory]
    [InlineData(new string[0], false, "Pending")]
    [InlineData(new[] { "Approved" }, false, "Approved")]
    [InlineData(new[] { "Approved" }, true, "Approved,Issued")]
    [InlineData(new[] { "Denied" }, false, "Denied")]
    [InlineData(new[] { "Approved", "Denied" }, false, "Denied")]
    [InlineData(new[] { "Failed" }, false, "Pending,Failed")]
    [InlineData(new[] { "Approved", "Failed" }, false, "Approved,Failed")]
    public void Condition_text_matches_kubectl(string[] types, bool issued, string expected)
    {
        var csr = Csrs.Serving(CsrSpec.ForNode("n", "10.0.0.1")) with
        {
            Conditions = types.Select(t => new CsrCondition(t, "True", null, null, null)).ToList(),
            Certificate = issued ? [1] : null,
        };

        Assert.Equal(expected, CsrStatusText.Of(csr));
    }
}
