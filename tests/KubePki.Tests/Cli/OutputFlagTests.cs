using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.Cli;

/// <summary>-o reads the same in every command, as kubeadm's printers do: json and yaml in any case (its
/// json/yaml printer lower-cases the value), text only as "text" (its text printer compares exactly).</summary>
public class OutputFlagTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    public static TheoryData<string[], string, string> Accepted =>
        new()
        {
            { ["certs", "check-expiration"], "JSON", "\"kind\": \"CertificateExpirationInfo\"" },
            { ["certs", "check-expiration"], "Yaml", "kind: CertificateExpirationInfo" },
            { ["certs", "check-expiration"], "text", "CERTIFICATE AUTHORITY" },
            { ["ca", "rotate", "status", "ca"], "JSON", "\"phase\"" },
            { ["ca", "rotate", "status", "ca"], "Yaml", "phase:" },
        };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Json_and_yaml_in_any_case(string[] command, string format, string expected)
    {
        var result = Run(command, format);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(expected, result.Out);
    }

    public static TheoryData<string[], string> Refused =>
        new()
        {
            { ["certs", "check-expiration"], "TEXT" },
            { ["certs", "check-expiration"], "xml" },
            { ["ca", "rotate", "status", "ca"], "TEXT" },
            { ["ca", "rotate", "status", "ca"], "xml" },
        };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Anything_else_is_one_line_naming_the_flag(string[] command, string format)
    {
        var result = Run(command, format);
        CliAssert.OneLineError(result, $"--output: \"{format}\" is not one of text, json, yaml");
    }

    private CliRunner.Result Run(string[] command, string format) =>
        CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start),
            null,
            [.. command, "--cert-dir", cluster.CertDir, "--kubeconfig-dir", cluster.Root, "-o", format]
        );
}
