namespace KubePki.Cli.Commands;

/// <summary>Runs a command body: user errors become one line on stderr and exit code 1; nothing else is
/// caught.</summary>
public static class CommandGuard
{
    public static int Run(CliEnvironment env, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (KubePkiException e)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            env.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
