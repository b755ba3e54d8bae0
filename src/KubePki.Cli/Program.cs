using KubePki.Cli.Commands;
using KubePki.Cli;

return await KubePkiCli.RunAsync(args, CliEnvironment.Default);
