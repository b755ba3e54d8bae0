using KubePki.Kubeconfig;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary>kubectl (Go's YAML 1.1 reader) reads back every name kubepki writes into a kubeconfig as the same string:
/// values YAML 1.1 would read as a number, boolean or null are quoted.</summary>
public sealed class KubeconfigScalarTests : IDisposable
{
    private readonly TempDir _dir = new("interop-kubeconfig-scalars");

    public static TheoryData<string> Names =>
        new()
        {
            "0x1F",
            "yes",
            "1e3",
            "0o17",
            "0b101",
            "1_000",
            "017",
            "1:20",
            ".inf",
            "-.Inf",
            ".NaN",
            "+1",
            "null",
            "~",
            "on",
            "N",
            "3.",
            "kubernetes",
        };

    [Theory]
    [MemberData(nameof(Names))]
    public void Kubectl_reads_back_the_cluster_and_user_names_kubepki_wrote(string name)
    {
        var text = KubeconfigFile.Create(name, "https://10.0.0.1:6443", "", name, null, "key").Serialize();
        var path = Path.Combine(_dir.Path, "config");
        File.WriteAllText(path, text);

        var result = ExternalTool.Run(
            "kubectl",
            [
                "config",
                "view",
                "--kubeconfig",
                path,
                "-o",
                "jsonpath={.clusters[0].name}|{.users[0].name}|{.contexts[0].context.cluster}|{.current-context}",
            ]
        );

        Assert.True(result.ExitCode == 0, result.All + "\n" + text);
        Assert.Equal($"{name}|{name}|{name}|{name}@{name}", result.Out);
        Assert.Equal(name, KubeconfigFile.Parse(text, path).CurrentClusterName);
    }

    public void Dispose() => _dir.Dispose();
}
