using KubePki.Controller.Model;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Tests.Model;

public class ModelTextTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(3600, "60m")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(86400, "24h")]
    [InlineData(3 * 86400 + 3600, "3d1h")]
    [InlineData(365 * 86400, "365d")]
    [InlineData(3 * 365 * 86400 + 86400, "3y1d")]
    [InlineData(10 * 365 * 86400, "10y")]
    public void Human_duration_matches_apimachinery(int seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

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
