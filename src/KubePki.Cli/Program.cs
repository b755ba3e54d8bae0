using KubePki.Cli.Commands;
using KubePki.Cli;

return KubePkiCli.Run(args, CliEnvironment.Default);
