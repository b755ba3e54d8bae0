using System.Text;
using KubePki.Configuration;
using KubePki.Kubeconfig;

namespace KubePki.Tests.Configuration;

/// <summary>YAML an attacker (or an accident) can put in a kubeadm config or a kubeconfig: one clear line naming the
/// file, never a stack overflow, never gigabytes of memory.</summary>
public class HostileYamlTests
{
    private const string ClusterHeader = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n";

    private static KubePkiException LoadConfig(string yaml) =>
        Assert.Throws<KubePkiException>(() => KubeadmConfigLoader.Load(yaml, "kubeadm.yaml", new ClusterConfig()));

    private static KubePkiException ParseKubeconfig(string yaml) =>
        Assert.Throws<KubePkiException>(() => KubeconfigFile.Parse(yaml, "admin.conf"));

    private static void AssertOneLine(KubePkiException e, string source, string what)
    {
        Assert.StartsWith($"{source}: ", e.Message);
        Assert.Contains(what, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>Nine anchors of nine aliases each: 9^9 nodes once expanded, from well under 1 KB of text.</summary>
    public static string AliasBomb(string indent)
    {
        var text = new StringBuilder();
        text.Append(indent).Append("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level < 9; level++)
        {
            var previous = $"*a{level - 1}";
            text.Append(indent).Append($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat(previous, 9))}]\n");
        }
        return text.ToString();
    }

    [Fact]
    public void Fifty_thousand_levels_of_nesting_in_a_kubeadm_config_are_refused()
    {
        var e = LoadConfig(ClusterHeader + "featureGates: " + new string('[', 50_000) + new string(']', 50_000) + "\n");
        AssertOneLine(e, "kubeadm.yaml", "nesting deeper than");
    }

    [Fact]
    public void Fifty_thousand_levels_of_nested_mappings_in_a_kubeconfig_are_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("{a: ", 50_000)) + "b" + new string('}', 50_000);
        AssertOneLine(
            ParseKubeconfig("apiVersion: v1\nkind: Config\npreferences: " + deep + "\n"),
            "admin.conf",
            "nesting deeper than"
        );
    }

    [Fact]
    public void An_alias_bomb_in_a_kubeconfig_is_refused_before_it_is_expanded()
    {
        var yaml = "apiVersion: v1\nkind: Config\npreferences:\n" + AliasBomb("  ");
        Assert.True(yaml.Length < 1024);
        AssertOneLine(ParseKubeconfig(yaml), "admin.conf", "once aliases are expanded");
    }

    [Fact]
    public void An_alias_bomb_in_a_kubeadm_config_is_refused() =>
        AssertOneLine(
            LoadConfig(ClusterHeader + "featureGates:\n" + AliasBomb("  ")),
            "kubeadm.yaml",
            "once aliases are expanded"
        );

    [Fact]
    public void A_few_aliases_are_fine()
    {
        var config = KubeadmConfigLoader.Load(
            ClusterHeader
                + "apiServer:\n  certSANs: &sans [a.example]\netcd:\n  "
                + "local:\n    serverCertSANs: *sans\n",
            "kubeadm.yaml",
            new ClusterConfig()
        );
        Assert.Equal(["a.example"], config.EtcdServerCertSans);
    }

    [Theory]
    [InlineData("preferences: &p {self: *p}\n", "recursive anchor")]
    [InlineData("preferences: {x: *nowhere}\n", "refers to no anchor")]
    [InlineData("preferences:\n  ? [a, b]\n  : c\n", "complex key")]
    [InlineData("preferences:\n  ? {a: b}\n  : c\n", "complex key")]
    [InlineData("k: &k key\npreferences:\n  *k : c\n", "key is an alias")]
    [InlineData("preferences: {}\npreferences: {}\n", "duplicate key \"preferences\"")]
    public void Hostile_structures_in_a_kubeconfig_get_one_line(string body, string what) =>
        AssertOneLine(ParseKubeconfig("apiVersion: v1\nkind: Config\n" + body), "admin.conf", what);

    [Theory]
    [InlineData("? [a, b]\n: c\n", "complex key")]
    [InlineData("clusterName: a\nclusterName: b\n", "duplicate key \"clusterName\"")]
    [InlineData("networking: &n {dnsDomain: *n}\n", "recursive anchor")]
    public void Hostile_structures_in_a_kubeadm_config_get_one_line(string body, string what) =>
        AssertOneLine(LoadConfig(ClusterHeader + body), "kubeadm.yaml", what);

    [Fact]
    public void A_kubeconfig_with_two_documents_is_refused() =>
        AssertOneLine(
            ParseKubeconfig("apiVersion: v1\nkind: Config\n---\napiVersion: v1\nkind: Config\n"),
            "admin.conf",
            "expected one YAML mapping"
        );

    /// <summary>Fuzz findings where YamlDotNet throws ArgumentException ("Global tags must be valid URIs", "The current
    /// event is of an unsupported type") rather than YamlException.</summary>
    [Theory]
    [InlineData("!!!4!!!!!!!!!!!+!!!!", "Global tags must be valid URIs")]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfigu244.0.0/16}\napiServer:\n : v1.29.0\n",
        "unsupported type"
    )]
    public void Yaml_the_parser_library_rejects_with_argument_exceptions_is_one_line(string yaml, string what)
    {
        AssertOneLine(LoadConfig(yaml), "kubeadm.yaml", what);
        AssertOneLine(ParseKubeconfig(yaml), "admin.conf", what);
    }
}
