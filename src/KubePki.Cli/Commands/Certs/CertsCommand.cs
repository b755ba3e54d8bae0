using System.CommandLine;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs</c>: commands related to handling kubernetes certificates.</summary>
public static class CertsCommand
{
    public static Command Create(CliEnvironment env)
    {
        var certs = new Command("certs", "Commands related to handling kubernetes certificates");
        certs.Subcommands.Add(CheckExpirationCommand.Create(env));
        certs.Subcommands.Add(RenewCommand.Create(env));
        certs.Subcommands.Add(GenerateCsrCommand.Create(env));
        return certs;
    }
}
