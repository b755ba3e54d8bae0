using KubePki.Cli;

return KubePkiCli.Run(args, CliEnvironment.Default);
