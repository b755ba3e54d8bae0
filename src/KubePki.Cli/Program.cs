using KubePki.Cli;
using KubePki.Cli.Commands;

return await KubePkiCli.RunAsync(args, CliEnvironment.Default);
