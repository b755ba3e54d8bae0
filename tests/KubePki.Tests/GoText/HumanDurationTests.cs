using KubePki.GoText;

namespace KubePki.Tests.GoText;

public class HumanDurationTests
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
    public void Format_matches_apimachinery_HumanDuration(int seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(59, "59s")]
    [InlineData(3599, "59m")]
    [InlineData(86399, "23h")]
    [InlineData(8759 * 3600 + 3599, "364d")]
    [InlineData(8760 * 3600, "1y")]
    [InlineData(87599 * 3600, "9y")]
    public void FormatShort_matches_apimachinery_ShortHumanDuration(long seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.FormatShort(seconds));
}
