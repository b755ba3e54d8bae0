using System.CommandLine;

namespace KubePki.Cli.Commands.Certs;

/// <summary><c>kubepki certs</c>: commands related to handling kubernetes certificates.</summary>
public static class CertsCommand
{
    public static Command Create(CliEnvironment env)
    {
        var certs = new Command("certs", "Commands related to handling kubernetes certificates");
        return certs;
    }
}
