using System.CommandLine;
using KubePki.Cli;
using KubePki.Cli.Commands;
using KubePki.TestKit;

namespace KubePki.Tests.Cli;

/// <summary>A command line that starts with a top-level command gets a tree with only that command: it must parse,
/// help and fail exactly as with the whole tree.</summary>
public class CommandTreeTests
{
    private static CliEnvironment Env(TextWriter output, TextWriter error) =>
        new(output, error, TimeProvider.System, FixtureKeys.Shared);

    private static RootCommand Full() => KubePkiCli.Create(Env(TextWriter.Null, TextWriter.Null));

    /// <summary>Every command's path below the root, parents first.</summary>
    public static TheoryData<string> CommandPaths()
    {
        var paths = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            foreach (var child in command.Subcommands)
            {
                var childPath = path.Length == 0 ? child.Name : $"{path} {child.Name}";
                paths.Add(childPath);
                Walk(child, childPath);
            }
        }
        Walk(Full(), "");
        return paths;
    }

    [Fact]
    public void A_command_line_naming_a_top_level_command_builds_only_that_command()
    {
        foreach (var top in Full().Subcommands)
        {
            var tree = KubePkiCli.For([top.Name, "--help"], Env(TextWriter.Null, TextWriter.Null));
            Assert.Equal([top.Name], tree.Subcommands.Select(c => c.Name));
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--version")]
    [InlineData("bogus")]
    [InlineData("")]
    public void Other_command_lines_get_the_whole_tree(string first)
    {
        string[] args = first.Length == 0 ? [] : [first];
        var tree = KubePkiCli.For(args, Env(TextWriter.Null, TextWriter.Null));
        Assert.Equal(Full().Subcommands.Select(c => c.Name), tree.Subcommands.Select(c => c.Name));
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Help_is_the_same_as_with_the_whole_tree(string path) =>
        AssertSameAsFullTree([.. path.Split(' '), "--help"]);

    [Theory]
    [InlineData("certs", "bogus")]
    [InlineData("certs", "renew", "kubelet.conf")]
    [InlineData("init", "--no-such-flag")]
    [InlineData("certs", "check-expiration", "--output")]
    [InlineData("config", "print", "init-defaults", "extra")]
    [InlineData("certs", "--version")]
    [InlineData("init", "certs")]
    public void Usage_errors_are_the_same_as_with_the_whole_tree(params string[] args) => AssertSameAsFullTree(args);

    private static void AssertSameAsFullTree(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = KubePkiCli.Run(args, Env(output, error));
        var fullOutput = new StringWriter();
        var fullError = new StringWriter();
        var fullEnv = Env(fullOutput, fullError);
        var fullCode = KubePkiCli.Run(KubePkiCli.Create(fullEnv), args, fullEnv);

        Assert.NotEqual("", output.ToString() + error.ToString());
        Assert.Equal(
            (fullCode, fullOutput.ToString(), fullError.ToString()),
            (code, output.ToString(), error.ToString())
        );
    }
}
