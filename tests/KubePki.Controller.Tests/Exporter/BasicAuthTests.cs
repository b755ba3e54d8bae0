using System.Text;
using KubePki.Controller.Exporter;

namespace KubePki.Controller.Tests.Exporter;

/// <summary>basic_auth_users checked with bcrypt, each outcome cached per (user, hash, password) as exporter-toolkit
/// does so a scrape costs no bcrypt once the password was checked.</summary>
public class BasicAuthTests
{
    // crypt("s3cret", "$2b$04$kubepkiwebconfigtest0u") from the system's libxcrypt, not from the library under test.
    private const string Hash = "$2b$04$kubepkiwebconfigtest0uKyC.O.rmW.SF6s4CQm2uxBV75LgOtpW";

    private static string Header(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void The_right_password_passes_and_wrong_unknown_or_malformed_credentials_fail()
    {
        var auth = new BasicAuth(new Dictionary<string, string> { ["prometheus"] = Hash });

        Assert.True(auth.Authorize(Header("prometheus", "s3cret")));
        Assert.False(auth.Authorize(Header("prometheus", "s3cret:with-colon")));
        Assert.False(auth.Authorize(Header("prometheus", "S3cret")));
        Assert.False(auth.Authorize(Header("admin", "s3cret")));
        Assert.False(auth.Authorize(null));
        Assert.False(auth.Authorize("Bearer abc"));
        Assert.False(auth.Authorize("Basic !!!"));
        Assert.False(auth.Authorize("Basic " + Convert.ToBase64String("no-colon"u8.ToArray())));
    }

    [Fact]
    public void Repeated_scrapes_with_the_same_credentials_cost_one_bcrypt()
    {
        var auth = new BasicAuth(new Dictionary<string, string> { ["prometheus"] = Hash });

        for (var i = 0; i < 20; i++)
        {
            Assert.True(auth.Authorize(Header("prometheus", "s3cret")));
            Assert.False(auth.Authorize(Header("prometheus", "guess")));
        }
        Assert.Equal(2, auth.Verifications);
    }

    [Fact]
    public void The_cache_is_bounded_and_a_dropped_outcome_is_verified_again()
    {
        var auth = new BasicAuth(new Dictionary<string, string> { ["prometheus"] = Hash });
        Assert.True(auth.Authorize(Header("prometheus", "s3cret")));
        for (var i = 0; i < BasicAuth.CacheSize; i++)
        {
            Assert.False(auth.Authorize(Header("prometheus", $"guess-{i}")));
        }
        var before = auth.Verifications;
        Assert.True(auth.Authorize(Header("prometheus", "s3cret")));
        Assert.Equal(before + 1, auth.Verifications);
    }
}
