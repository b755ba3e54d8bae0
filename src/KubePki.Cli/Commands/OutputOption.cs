using System.CommandLine;

namespace KubePki.Cli.Commands;

/// <summary>-o/--output, one definition for every command that prints text, json or yaml. Read as kubeadm's printers
/// read it: json and yaml in any case (kubectl's json/yaml printer lower-cases the value), text exactly (kubeadm's text
/// printer compares it as given).</summary>
internal static class OutputOption
{
    public static Option<string> Create(params string[] extraAliases)
    {
        var option = new Option<string>("--output", ["-o", .. extraAliases])
        {
            Description = "Output format. One of: text|json|yaml.",
            DefaultValueFactory = _ => "text",
        };
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && Normalize(r.Tokens[0].Value) is null)
            {
                r.AddError($"--output: \"{r.Tokens[0].Value}\" is not one of text, json, yaml");
            }
        });
        return option;
    }

    /// <summary>"text", "json" or "yaml".</summary>
    public static string Read(ParseResult result, Option<string> option) =>
        Normalize(result.GetValue(option)!) ?? "text";

    private static string? Normalize(string value) =>
        value == "text" ? value
        : value.ToLowerInvariant() is "json" or "yaml" ? value.ToLowerInvariant()
        : null;
}
